/* The subcommands of subreg, one file each (server/cmd_*.c). Each takes its own argv
 * (argv[0] is the subcommand name) and returns the process exit status. */
#ifndef SUBREG_COMMANDS_H
#define SUBREG_COMMANDS_H
int cmd_validate(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_hook(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_new(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_fmt(int argc, char **argv);
int cmd_subscribers(int argc, char **argv);
int cmd_notices(int argc, char **argv);
int cmd_objections(int argc, char **argv);
#endif
