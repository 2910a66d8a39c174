/* cli_data.h - the `lobsim data` sub-commands other than import. */
#ifndef LOB_CLI_DATA_H
#define LOB_CLI_DATA_H

int cli_data_info(int argc, char **argv);
int cli_data_book(int argc, char **argv);
int cli_data_export(int argc, char **argv);
int cli_data_synth(int argc, char **argv);

#endif
