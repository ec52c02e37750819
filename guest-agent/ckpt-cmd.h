/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The subcommands of the `ckpt` tool. Each lives in its own cmd-NAME.c and
 * has an entry in the table of ckpt-main.c. A command gets argv with
 * argv[0] set to "ckpt NAME", parses its options with GOption and returns
 * the process exit status.
 */
#ifndef CKPT_CMD_H
#define CKPT_CMD_H

typedef int (*CkptCmdFunc)(int argc, char **argv);

int ckpt_cmd_info(int argc, char **argv);
int ckpt_cmd_run(int argc, char **argv);
int ckpt_cmd_list(int argc, char **argv);
int ckpt_cmd_checkpoint(int argc, char **argv);
int ckpt_cmd_restart(int argc, char **argv);
int ckpt_cmd_kill(int argc, char **argv);
int ckpt_cmd_freeze(int argc, char **argv);
int ckpt_cmd_thaw(int argc, char **argv);

#endif /* CKPT_CMD_H */
