/* The retailfuse command's subcommands. Each returns the process exit status:
 * 0 success, 1 the input was bad or an operation failed, 2 a usage error. */
#ifndef RF_TOOLS_CLI_H
#define RF_TOOLS_CLI_H

#include <stdio.h>

#include "help.h"

#define EXIT_USAGE 2

int cmd_validate(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_feed(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_zones(int argc, char **argv);
int cmd_cameras(int argc, char **argv);
int cmd_review(int argc, char **argv);

/* Each command's usage and options (help.h), beside its parser in cmd_<name>.c; main prints it
 * for `retailfuse NAME --help`. */
extern const cli_command validate_command, run_command, sim_command, eval_command, demo_command,
    convert_command, serve_command, feed_command, watch_command, zones_command, cameras_command,
    review_command;

/* Prints "retailfuse: <message> (try 'retailfuse --help')" and returns EXIT_USAGE. */
int usage_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif
