/* cmd_info: the COMMAND INFO reply. Private to the cmd module (cmd.c is its only user).
 * Name, arity, flags and key positions come from commands.def; ACL categories are derived
 * from the flags and the group, adjusted, with tips and key-spec flags, by command_info.def. */
#ifndef FERRITE_CMD_INFO_H
#define FERRITE_CMD_INFO_H

#include <stdbool.h>
#include <stddef.h>

struct client;
struct cmd;

/* Parses every row of command_info.def and gives every command its cmd->info. Call once,
 * after the command table is built. A malformed row, a row for an unknown command, or a
 * command whose keys have no KEYS row is a bug in the tables: it is reported on stderr and
 * the process aborts. */
void cmd__info_init(void);

/* Replies with cmd's 10-element COMMAND INFO entry, its subcommands' nested inside. */
void cmd__info_reply(struct client *c, const struct cmd *cmd);

/* Whether cmd is in the ACL category name (without '@', any case), for COMMAND LIST. */
bool cmd__in_acl_category(const struct cmd *cmd, const char *name, size_t len);

#endif
