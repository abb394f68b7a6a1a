#include "help.h"

#include <string.h>

#define HELP_WIDTH 79  /* columns a line of help may take */
#define HELP_COLUMN 28 /* where an option's meaning starts */

int cli_option_find(const cli_command *c, const char *arg) {
  for (size_t k = 0; k < c->option_count; ++k) {
    const cli_option *o = &c->options[k];
    if (strcmp(arg, o->name) == 0 || (o->alias != NULL && strcmp(arg, o->alias) == 0))
      return (int)k;
  }
  return -1;
}

int cli_help_asked(int argc, char **argv) {
  for (int i = 1; i < argc; ++i)
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) return 1;
  return 0;
}

/* `text` (n bytes) from column `col` (where the cursor is), wrapped at word ends to HELP_WIDTH,
 * each further line indented to `indent`; line ends in the text are spaces. Ends the last
 * line. */
static void put_wrapped(FILE *f, const char *text, size_t n, int col, int indent) {
  const char *p = text, *end = text + n;
  int first = 1;
  while (p < end) {
    while (p < end && (*p == ' ' || *p == '\n')) ++p;
    size_t w = 0;
    while (p + w < end && p[w] != ' ' && p[w] != '\n') ++w;
    if (w == 0) break;
    if (!first && col + 1 + (int)w > HELP_WIDTH) {
      fprintf(f, "\n%*s", indent, "");
      col = indent;
      first = 1;
    }
    if (!first) fputc(' ', f), ++col;
    fwrite(p, 1, w, f);
    col += (int)w;
    first = 0;
    p += w;
  }
  fputc('\n', f);
}

/* Paragraphs (separated by a blank line), each wrapped, a blank line before each. */
static void put_paragraphs(FILE *f, const char *text) {
  while (*text != '\0') {
    const char *next = strstr(text, "\n\n");
    size_t n = next != NULL ? (size_t)(next - text) : strlen(text);
    fputc('\n', f);
    put_wrapped(f, text, n, 0, 0);
    text += n;
    while (*text == '\n') ++text;
  }
}

static void put_option(FILE *f, const char *name, const char *alias, const char *value,
                       const char *help) {
  int col = fprintf(f, "  %s%s%s%s%s", alias ? alias : "", alias ? ", " : "", name,
                    value ? " " : "", value ? value : "");
  if (col + 2 > HELP_COLUMN) {
    fputc('\n', f);
    col = 0;
  }
  fprintf(f, "%*s", HELP_COLUMN - col, "");
  put_wrapped(f, help, strlen(help), HELP_COLUMN, HELP_COLUMN);
}

void cli_print_help(FILE *f, const cli_command *c) {
  fprintf(f, "usage: retailfuse %s%s%s\n", c->name, c->usage[0] ? " " : "", c->usage);
  if (c->about != NULL) put_paragraphs(f, c->about);
  fputs("\noptions:\n", f);
  for (size_t k = 0; k < c->option_count; ++k) {
    const cli_option *o = &c->options[k];
    put_option(f, o->name, o->alias, o->value, o->help);
  }
  put_option(f, "--help", "-h", NULL, "show this help and exit");
  if (c->notes != NULL) put_paragraphs(f, c->notes);
}
