// A reference point for the benchmark only: the classic protocol as a minimal hand-written C
// epoll server (one thread, the seed's six slots and two users in memory, no durability, no
// logging, no limits beyond a line buffer). The bench runs it beside the real server under the
// same C load generator, so the real server's CPU per session is reported as a ratio in one run.
//
//   ref-server        prints "ref server: port number: N" (an ephemeral port on 127.0.0.1)
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum { line_max = 1024, out_max = 4096, events_max = 256, slots_count = 6 };

typedef struct {
  int fd;
  int authed;
  int in_used, out_used, out_sent;
  char in[line_max + 1];
  char out[out_max];
} Conn;

static const char *slot_text[slots_count] = { "1 Tue 01pm\n", "2 Mon 03pm\n", "3 Thu 02pm\n", "4 Wed 10am\n", "5 Sat 12pm\n", "6 Fri 04pm\n" };
static const char *slot_doctor[slots_count] = { "doc1 41000\n", "doc2 42000\n", "doc1 41000\n", "doc1 41000\n", "doc2 42000\n", "doc2 42000\n" };
static int booked[slots_count];
static int epfd;

static void reply(Conn *c, const char *text) {
  size_t n = strlen(text);
  if (c->out_used + n > out_max) return; /* a client that never reads loses replies; fine for a reference */
  memcpy(c->out + c->out_used, text, n);
  c->out_used += n;
}

static void on_line(Conn *c, char *line) {
  char *cmd = strtok(line, " "), *a = strtok(NULL, " "), *b = strtok(NULL, " ");
  if (!cmd) { reply(c, "error empty line\n"); return; }
  if (strcmp(cmd, "authenticate") == 0 && a && b) {
    c->authed = (strcmp(a, "patient1") == 0 && strcmp(b, "password111") == 0) || (strcmp(a, "patient2") == 0 && strcmp(b, "password222") == 0);
    reply(c, c->authed ? "success\n" : "failure\n");
  } else if (!c->authed) {
    reply(c, "error authenticate first\n");
  } else if (strcmp(cmd, "available") == 0) {
    for (int i = 0; i < slots_count; i++) if (!booked[i]) reply(c, slot_text[i]);
    reply(c, "\n");
  } else if (strcmp(cmd, "selection") == 0 && a) {
    long n = strtol(a, NULL, 10);
    if (n < 1 || n > slots_count) reply(c, "invalid\n");
    else if (booked[n - 1]) reply(c, "notavailable\n");
    else { booked[n - 1] = 1; reply(c, slot_doctor[n - 1]); }
  } else {
    reply(c, "error unknown command\n");
  }
}

static void close_conn(Conn *c) {
  close(c->fd);
  free(c);
}

/* Writes what is queued; returns 0 when the connection is gone. */
static int flush_out(Conn *c) {
  while (c->out_sent < c->out_used) {
    ssize_t n = write(c->fd, c->out + c->out_sent, c->out_used - c->out_sent);
    if (n <= 0) {
      struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = c };
      epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
      return 1;
    }
    c->out_sent += n;
  }
  c->out_used = c->out_sent = 0;
  return 1;
}

static void on_readable(Conn *c) {
  ssize_t got = read(c->fd, c->in + c->in_used, line_max + 1 - c->in_used);
  if (got <= 0) { close_conn(c); return; }
  c->in_used += got;
  int start = 0;
  for (int i = 0; i < c->in_used; i++) {
    if (c->in[i] != '\n') continue;
    c->in[i] = 0;
    if (i > start && c->in[i - 1] == '\r') c->in[i - 1] = 0;
    on_line(c, c->in + start);
    start = i + 1;
  }
  if (start == 0 && c->in_used > line_max) { close_conn(c); return; }
  memmove(c->in, c->in + start, c->in_used - start);
  c->in_used -= start;
  flush_out(c);
}

int main(void) {
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0 };
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  socklen_t len = sizeof a;
  if (bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 4096) != 0) { perror("ref-server"); return 1; }
  getsockname(lfd, (struct sockaddr *)&a, &len);
  printf("ref server: port number: %d\n", ntohs(a.sin_port));
  fflush(stdout);
  epfd = epoll_create1(0);
  struct epoll_event lev = { .events = EPOLLIN, .data.ptr = NULL };
  epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &lev);
  struct epoll_event events[events_max];
  for (;;) {
    int n = epoll_wait(epfd, events, events_max, -1);
    for (int i = 0; i < n; i++) {
      Conn *c = events[i].data.ptr;
      if (!c) {
        int fd;
        while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          Conn *nc = calloc(1, sizeof(Conn));
          nc->fd = fd;
          struct epoll_event ev = { .events = EPOLLIN, .data.ptr = nc };
          epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
        }
      } else if (events[i].events & (EPOLLHUP | EPOLLERR)) {
        close_conn(c);
      } else if (events[i].events & EPOLLOUT) {
        flush_out(c);
        if (c->out_used == 0) {
          struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
          epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
        }
      } else {
        on_readable(c);
      }
    }
  }
}
