/* cmd_docs: the COMMAND DOCS reply. Private to the cmd module (cmd.c is its only user).
 * Summary, since and group come from commands.def; complexity, doc flags, deprecation,
 * history and the argument trees come from command_docs.def. */
#ifndef FERRITE_CMD_DOCS_H
#define FERRITE_CMD_DOCS_H

struct client;
struct cmd;

/* Parses every row of command_docs.def and attaches each to its command (cmd->doc). Call
 * once, after the command table is built. A malformed row is a bug in the table: it is
 * reported on stderr and the process aborts. */
void cmd__docs_init(void);

/* Replies with cmd's documentation map, its subcommands' nested inside. */
void cmd__docs_reply(struct client *c, const struct cmd *cmd);

#endif
