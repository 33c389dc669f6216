/* pubsub: channels and glob patterns, SUBSCRIBE/PUBLISH and friends, and keyspace
 * notifications published through them.
 *
 * Subscribers are ordinary clients: a message is queued on each receiver's output like any
 * reply, so a subscriber that stops reading is bounded by client-output-buffer-limit pubsub
 * and disconnected, never stalling the publisher or anyone else. */
#ifndef FERRITE_PUBSUB_H
#define FERRITE_PUBSUB_H

#include <stdbool.h>
#include <stddef.h>

struct client;
struct cmd;
struct db;

/* Number of channels plus patterns the client is subscribed to. */
size_t pubsub_count(const struct client *c);
/* In RESP2 a subscribed client may only run the subscription commands, PING, QUIT, RESET. */
bool pubsub_allowed_in_context(const struct client *c, const struct cmd *cmd);
/* Drops every subscription of the client (RESET, disconnect); no replies. */
void pubsub_unsubscribe_all(struct client *c);
/* Delivers a message; returns the number of receivers. */
long long pubsub_publish(const char *channel, size_t clen, const char *msg, size_t mlen);
/* Channels and patterns with at least one subscriber, for INFO. */
size_t pubsub_channel_count(void);
size_t pubsub_pattern_count(void);

/* Publishes a keyspace notification if notify-keyspace-events enables `type`. */
void pubsub_notify_keyspace(int type, const char *event, const char *key, size_t klen, int dbid);

#endif
