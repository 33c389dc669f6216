#include "child.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../db/dict.h"
#include "server.h"

static struct {
    pid_t pid; /* 0 when there is no child */
    enum child_kind kind;
    child_done_fn *done;
    long long start_ms;
    bool is_self; /* this process is the child */
} child;

pid_t child_fork(enum child_kind kind, child_done_fn *done)
{
    if (child.pid > 0) {
        errno = EBUSY;
        return -1;
    }
    long long start = server_unix_ms();
    pid_t pid = fork();
    if (pid == 0) {
        /* If the parent dies, its port must be free for the next server at once: only the
         * descriptors are closed, never the event loop's registrations (the epoll instance
         * is shared with the parent). */
        for (int i = 0; i < srv.nlisten; i++)
            close(srv.listen_fds[i]);
        if (srv.unix_fd >= 0)
            close(srv.unix_fd);
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        child.is_self = true;
        return 0;
    }
    if (pid < 0)
        return -1;
    child.pid = pid;
    child.kind = kind;
    child.done = done;
    child.start_ms = start;
    /* Rehashing now would touch every bucket page and copy it for the child. */
    dict_set_resize_allowed(false);
    return pid;
}

bool child_is_self(void)
{
    return child.is_self;
}

bool child_active(void)
{
    return child.pid > 0;
}

enum child_kind child_active_kind(void)
{
    return child.pid > 0 ? child.kind : CHILD_NONE;
}

pid_t child_active_pid(void)
{
    return child.pid;
}

long long child_start_ms(void)
{
    return child.start_ms;
}

/* Forgets the child before calling its owner, which may start the next one. */
static void child_finish(bool ok, bool killed)
{
    pid_t pid = child.pid;
    child_done_fn *done = child.done;
    child.pid = 0;
    child.kind = CHILD_NONE;
    child.done = NULL;
    dict_set_resize_allowed(true);
    done(pid, ok, killed);
}

void child_kill(void)
{
    if (child.pid <= 0)
        return;
    int status;
    kill(child.pid, SIGUSR1);
    while (waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
    }
    child_finish(false, true);
}

void child_reap(void)
{
    if (child.pid <= 0)
        return;
    int status;
    pid_t pid = waitpid(child.pid, &status, WNOHANG);
    if (pid == child.pid)
        child_finish(WIFEXITED(status) && WEXITSTATUS(status) == 0, false);
    else if (pid < 0 && errno == ECHILD)
        child_finish(false, false); /* reaped elsewhere: status unknown, count it failed */
}
