// A UDP quote driver in C for the benchmark: keeps IN_FLIGHT requests outstanding against each of
// several servers in turn (our doctor, the bare echo, ...), in short slices, so every server is
// measured in nearly the same seconds of a shared machine, and the rate is the servers' and the
// kernel's, not a JavaScript client's own CPU and JIT on the same cores. Prints one JSON line:
//   {"quotes":[per server],"seconds":[per server],"slices":[[per slice rate, per server]...]}
//
//   udp-loadgen IN_FLIGHT SLICE_MS SECONDS PORT [PORT...]
//
// A slice: IN_FLIGHT requests sent, each reply answered by a new request until the slice's time is
// up, then the outstanding replies awaited (at most drain_ms); its time runs from the first send to
// the last reply. The servers' order rotates from one cycle of slices to the next. The replies
// waiting at once are read with one recvmmsg and answered with one sendmmsg. A datagram lost on the
// way lowers the number in flight: after stall_ms without a reply, the missing ones are sent again.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { batch_max = 64, reply_bytes = 64, stall_ms = 10, drain_ms = 20, servers_max = 8, slices_max = 100000 };

static const char request[] = "patient1 insurance1";

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

/* Sends n requests on the connected socket (in batches of at most batch_max); returns how many went. */
static int send_requests(int fd, int n) {
  struct mmsghdr msgs[batch_max];
  struct iovec iov = {(void *)request, sizeof request - 1};
  int total = 0;
  while (n > 0) {
    int k = n < batch_max ? n : batch_max;
    memset(msgs, 0, sizeof(struct mmsghdr) * k);
    for (int i = 0; i < k; i++) {
      msgs[i].msg_hdr.msg_iov = &iov;
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int sent = sendmmsg(fd, msgs, k, 0);
    if (sent <= 0) break; /* a full buffer or a refused port: the stall top-up sends again */
    n -= sent, total += sent;
  }
  return total;
}

/* Reads the replies waiting (none: 0; at most batch_max). */
static int read_replies(int fd) {
  static char replies[batch_max][reply_bytes];
  struct mmsghdr msgs[batch_max];
  struct iovec iovs[batch_max];
  memset(msgs, 0, sizeof msgs);
  for (int i = 0; i < batch_max; i++) {
    iovs[i] = (struct iovec){replies[i], reply_bytes};
    msgs[i].msg_hdr.msg_iov = &iovs[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  int got = recvmmsg(fd, msgs, batch_max, MSG_DONTWAIT, NULL);
  return got > 0 ? got : 0;
}

/* One slice against one server: quotes answered, and its seconds in *seconds. */
static long slice(int fd, int in_flight, double slice_s, double *seconds) {
  while (read_replies(fd) > 0) {} /* a previous slice's stragglers are not this one's */
  double t0 = now_s(), end = t0 + slice_s, last = t0;
  long quotes = 0;
  int outstanding = send_requests(fd, in_flight);
  while (outstanding > 0) {
    double t = now_s();
    if (t >= end + drain_ms / 1e3) break;
    struct pollfd p = {fd, POLLIN, 0};
    int ready = poll(&p, 1, stall_ms);
    if (ready < 0 && errno != EINTR) break;
    int got = ready > 0 ? read_replies(fd) : 0;
    if (got == 0) {
      if (ready == 0 && now_s() < end) outstanding = in_flight, send_requests(fd, in_flight); /* lost ones */
      continue;
    }
    last = now_s();
    quotes += got;
    outstanding -= got;
    if (outstanding < 0) outstanding = 0;
    if (last < end) outstanding += send_requests(fd, got);
  }
  *seconds = last - t0;
  return quotes;
}

int main(int argc, char **argv) {
  if (argc < 5 || argc - 4 > servers_max) {
    fprintf(stderr, "usage: udp-loadgen IN_FLIGHT SLICE_MS SECONDS PORT [PORT...] (at most %d ports)\n", servers_max);
    return 2;
  }
  int in_flight = atoi(argv[1]), servers = argc - 4;
  double slice_s = atof(argv[2]) / 1e3, seconds_max = atof(argv[3]);
  if (in_flight < 1 || in_flight > 1024 || slice_s < 0.001 || seconds_max <= 0) {
    fprintf(stderr, "udp-loadgen: bad arguments\n");
    return 2;
  }
  int fds[servers_max];
  for (int s = 0; s < servers; s++) {
    int port = atoi(argv[4 + s]);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    fds[s] = socket(AF_INET, SOCK_DGRAM, 0);
    if (port <= 0 || port > 65535 || fds[s] < 0 || connect(fds[s], (struct sockaddr *)&to, sizeof to) != 0) {
      fprintf(stderr, "udp-loadgen: cannot reach port %s\n", argv[4 + s]);
      return 1;
    }
  }
  long quotes[servers_max] = {0};
  double seconds[servers_max] = {0};
  static double rates[slices_max][servers_max];
  int cycles = 0;
  double deadline = now_s() + seconds_max;
  while (cycles < slices_max && now_s() < deadline) {
    for (int k = 0; k < servers; k++) {
      int s = (k + cycles) % servers;
      double t;
      long q = slice(fds[s], in_flight, slice_s, &t);
      quotes[s] += q, seconds[s] += t;
      rates[cycles][s] = t > 0 ? q / t : 0;
    }
    cycles++;
  }
  printf("{\"quotes\":[");
  for (int s = 0; s < servers; s++) printf("%s%ld", s ? "," : "", quotes[s]);
  printf("],\"seconds\":[");
  for (int s = 0; s < servers; s++) printf("%s%.6f", s ? "," : "", seconds[s]);
  printf("],\"slices\":[");
  for (int c = 0; c < cycles; c++) {
    printf("%s[", c ? "," : "");
    for (int s = 0; s < servers; s++) printf("%s%.1f", s ? "," : "", rates[c][s]);
    printf("]");
  }
  printf("]}\n");
  return 0;
}
