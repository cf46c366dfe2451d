// A load generator in C for the benchmark: many concurrent patients over epoll, so the client
// costs little of the machine's 2 cores and the server's own cost shows. Bounded by a session
// count and a duration. Prints one JSON line.
//
//   loadgen PORT read|book CONCURRENCY MAX_SESSIONS MAX_SECONDS SLOT [SOURCE_ADDRESS]
//     read: authenticate, available, selection SLOT (already booked), close
//     book: authenticate, selection N (N = SLOT, SLOT+1, ...), close
//   SOURCE_ADDRESS (e.g. 127.0.0.2) keeps these connections' ports apart from other clients' on
//   127.0.0.1, so thousands of idle connections elsewhere do not slow the kernel's port search.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { buffer_bytes = 4096, events_max = 256 };

typedef struct {
  int fd;
  int step;
  int used;
  double started;
  char buf[buffer_bytes];
} Conn;

static int port, booking, concurrency;
static const char *source_address;
static long sessions_max, started_count, done_count, errors, next_slot;
static double deadline;
static double *latencies;
static int epfd;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int steps(void) { return booking ? 2 : 3; }

static void send_step(Conn *c) {
  char line[64];
  int n;
  if (c->step == 0) n = snprintf(line, sizeof line, "authenticate patient1 password111\n");
  else if (!booking && c->step == 1) n = snprintf(line, sizeof line, "available\n");
  else n = snprintf(line, sizeof line, "selection %ld\n", booking ? next_slot++ : next_slot);
  if (write(c->fd, line, n) != n) c->step = -1;
}

/* Complete when the reply to the current step has fully arrived. */
static int reply_complete(Conn *c) {
  if (c->used == 0 || c->buf[c->used - 1] != '\n') return 0;
  if (!booking && c->step == 1) return (c->used == 1) || (c->used >= 2 && c->buf[c->used - 2] == '\n');
  return 1;
}

static int reply_ok(Conn *c) {
  c->buf[c->used] = 0;
  if (c->step == 0) return strcmp(c->buf, "success\n") == 0;
  if (!booking && c->step == 1) return 1;
  return booking ? strncmp(c->buf, "doc", 3) == 0 : strcmp(c->buf, "notavailable\n") == 0;
}

static void start_session(Conn *c) {
  if (started_count >= sessions_max || now_ms() > deadline) { c->fd = -1; return; }
  started_count++;
  c->step = 0;
  c->used = 0;
  c->started = now_ms();
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (source_address) {
    struct sockaddr_in local = { .sin_family = AF_INET, .sin_port = 0 };
    inet_pton(AF_INET, source_address, &local.sin_addr);
    setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    bind(c->fd, (struct sockaddr *)&local, sizeof local);
  }
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  connect(c->fd, (struct sockaddr *)&a, sizeof a);
  struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };
  epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
}

static void finish(Conn *c, int ok) {
  close(c->fd);
  if (ok) latencies[done_count++] = now_ms() - c->started;
  else errors++;
  start_session(c);
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc != 7 && argc != 8) { fprintf(stderr, "usage: loadgen PORT read|book CONCURRENCY MAX_SESSIONS MAX_SECONDS SLOT [SOURCE_ADDRESS]\n"); return 2; }
  if (argc == 8) source_address = argv[7];
  port = atoi(argv[1]);
  booking = strcmp(argv[2], "book") == 0;
  concurrency = atoi(argv[3]);
  sessions_max = atol(argv[4]);
  double t0 = now_ms();
  deadline = t0 + atof(argv[5]) * 1e3;
  next_slot = atol(argv[6]);
  latencies = calloc(sessions_max, sizeof(double));
  Conn *conns = calloc(concurrency, sizeof(Conn));
  epfd = epoll_create1(0);
  int live = concurrency;
  for (int i = 0; i < concurrency; i++) start_session(&conns[i]);
  struct epoll_event events[events_max];
  while (live > 0) {
    int n = epoll_wait(epfd, events, events_max, 1000);
    if (n == 0 && now_ms() > deadline + 5000) break; /* a stuck server: give up */
    for (int i = 0; i < n; i++) {
      Conn *c = events[i].data.ptr;
      if (c->fd < 0) continue;
      if (events[i].events & EPOLLOUT) {
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
        epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
        send_step(c);
        if (c->step < 0) finish(c, 0);
      } else {
        ssize_t got = read(c->fd, c->buf + c->used, buffer_bytes - 1 - c->used);
        if (got <= 0) { finish(c, 0); }
        else {
          c->used += got;
          if (reply_complete(c)) {
            if (!reply_ok(c)) finish(c, 0);
            else if (++c->step == steps()) finish(c, 1);
            else { c->used = 0; send_step(c); if (c->step < 0) finish(c, 0); }
          } else if (c->used >= buffer_bytes - 1) finish(c, 0);
        }
      }
      if (c->fd < 0) live--;
    }
  }
  double seconds = (now_ms() - t0) / 1e3;
  qsort(latencies, done_count, sizeof(double), by_value);
  double p50 = done_count ? latencies[done_count / 2] : 0, p99 = done_count ? latencies[(long)(done_count * 0.99)] : 0;
  double max = done_count ? latencies[done_count - 1] : 0;
  printf("{\"sessions\":%ld,\"errors\":%ld,\"seconds\":%.3f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"next_slot\":%ld}\n",
         done_count, errors, seconds, p50, p99, max, next_slot);
  return 0;
}
