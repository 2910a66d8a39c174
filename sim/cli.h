/* cli.h - the sub-commands of the lobsim program. Each takes argv with
 * argv[0] = its own name and returns the process exit status. */
#ifndef LOB_CLI_H
#define LOB_CLI_H

int cli_data(int argc, char **argv);
int cli_backtest(int argc, char **argv);
int cli_runs(int argc, char **argv);
int cli_report(int argc, char **argv);
int cli_serve(int argc, char **argv);
int cli_paper(int argc, char **argv);

#endif
