/*
 * Starting and stopping kt_testd from a test: fork/exec with --port 0 and a
 * port file, wait for the file, stop with SIGTERM. Each test owns its
 * servers; --max-seconds makes sure none outlives a crashed test.
 */
#ifndef KT_TESTD_H
#define KT_TESTD_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct testd {
    pid_t pid;
    int port;
    char base[64];  /* "http://127.0.0.1:PORT" */
} testd;

/* Starts kt_testd (binary at exe) serving root; extra is a NULL-terminated
 * list of further arguments (or NULL). Returns 0 with *t filled, else -1. */
static int testd_start(testd *t, const char *exe, const char *root,
                       const char *const *extra)
{
    char port_file[64];
    snprintf(port_file, sizeof port_file, "/tmp/kt_testd.%ld.%ld.port",
             (long)getpid(), (long)time(NULL) ^ (long)(size_t)t);
    unlink(port_file);
    const char *argv[32] = {exe, "--root", root, "--port", "0", "--port-file",
                            port_file, "--max-seconds", "120"};
    int argc = 9;
    for (int i = 0; extra && extra[i] && argc < 31; i++)
        argv[argc++] = extra[i];
    argv[argc] = NULL;
    memset(t, 0, sizeof *t);
    t->pid = fork();
    if (t->pid < 0)
        return -1;
    if (t->pid == 0) {
        if (!freopen("/dev/null", "w", stdout))
            _exit(127);
        execv(exe, (char *const *)argv);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) { /* up to 10 s */
        FILE *f = fopen(port_file, "r");
        if (f) {
            int ok = fscanf(f, "%d", &t->port) == 1;
            fclose(f);
            if (ok) {
                unlink(port_file);
                snprintf(t->base, sizeof t->base, "http://127.0.0.1:%d",
                         t->port);
                return 0;
            }
        }
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    kill(t->pid, SIGKILL);
    waitpid(t->pid, NULL, 0);
    return -1;
}

/* Stops the server and reaps it. */
static void testd_stop(testd *t)
{
    if (t->pid > 0) {
        kill(t->pid, SIGTERM);
        waitpid(t->pid, NULL, 0);
        t->pid = 0;
    }
}

#endif
