/* Every command's usage and options, from one table per command: the command's parser looks its
 * options up in the table (an option that is not there is unknown) and `--help` prints the same
 * table, so an option cannot be accepted without being documented. Each command keeps its table
 * next to its parser, in its cmd_*.c. */
#ifndef RF_TOOLS_HELP_H
#define RF_TOOLS_HELP_H

#include <stddef.h>
#include <stdio.h>

/* One option: its long name, a short alias, what value it takes and what it means. */
typedef struct cli_option {
  const char *name;  /* "--output" (or a short one, "-o", when it has no long name) */
  const char *alias; /* "-o", or NULL */
  const char *value; /* what follows it, e.g. "FILE"; NULL for a flag */
  const char *help;  /* what it does, one sentence (wrapped when printed) */
} cli_option;

/* A command: `retailfuse NAME USAGE`, what it does, its options, and notes after them. */
typedef struct cli_command {
  const char *name;  /* "run" */
  const char *usage; /* what follows "usage: retailfuse NAME "; lines after the first indented */
  const char *about; /* what it does: paragraphs (a blank line between), wrapped when printed */
  const cli_option *options;
  size_t option_count;
  const char *notes; /* paragraphs after the options, as `about`; or NULL */
} cli_command;

/* The index in c->options of the option `arg` names (by its name or its alias), or -1. */
int cli_option_find(const cli_command *c, const char *arg);

/* Whether -h or --help is among argv[1..argc). */
int cli_help_asked(int argc, char **argv);

/* "usage: retailfuse NAME USAGE", the about text, "options:" with a line or more for each
 * option (and -h, --help), then the notes. */
void cli_print_help(FILE *f, const cli_command *c);

#endif
