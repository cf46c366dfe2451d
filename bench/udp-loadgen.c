// A UDP quote driver in C for the benchmark: keeps IN_FLIGHT requests outstanding against a doctor
// (or the bare echo), each reply answered by a new request, so the rate is the doctor's and the
// kernel's, not a JavaScript client's own CPU and JIT on the same 2 cores. Bounded by a quote count
// and a duration. Prints one JSON line: {"quotes":N,"seconds":S,"topups":T}.
//
//   udp-loadgen PORT IN_FLIGHT MAX_QUOTES MAX_SECONDS
//
// The replies waiting at once are read with one recvmmsg and answered with one sendmmsg. A lost
// datagram lowers the number in flight: when no reply comes for 50 ms, IN_FLIGHT more are sent.
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

enum { batch_max = 64, reply_bytes = 64, stall_ms = 50, in_flight_max = 1024 };

static const char request[] = "patient1 insurance1";

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

/* Sends n requests on the connected socket (in batches of at most batch_max). */
static void send_requests(int fd, int n) {
  struct mmsghdr msgs[batch_max];
  struct iovec iov = {(void *)request, sizeof request - 1};
  while (n > 0) {
    int k = n < batch_max ? n : batch_max;
    memset(msgs, 0, sizeof(struct mmsghdr) * k);
    for (int i = 0; i < k; i++) {
      msgs[i].msg_hdr.msg_iov = &iov;
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int sent = sendmmsg(fd, msgs, k, 0);
    if (sent <= 0) return; /* a full buffer or a refused port: the stall top-up sends again */
    n -= sent;
  }
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: udp-loadgen PORT IN_FLIGHT MAX_QUOTES MAX_SECONDS\n");
    return 2;
  }
  int port = atoi(argv[1]), in_flight = atoi(argv[2]);
  long quotes_max = atol(argv[3]);
  double seconds_max = atof(argv[4]);
  if (port <= 0 || port > 65535 || in_flight < 1 || in_flight > in_flight_max || quotes_max < 1 || seconds_max <= 0) {
    fprintf(stderr, "udp-loadgen: bad arguments\n");
    return 2;
  }
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof to) != 0) {
    perror("udp-loadgen");
    return 1;
  }
  static char replies[batch_max][reply_bytes];
  struct mmsghdr msgs[batch_max];
  struct iovec iovs[batch_max];
  long quotes = 0, topups = 0;
  double t0 = now_s(), deadline = t0 + seconds_max;
  send_requests(fd, in_flight);
  while (quotes < quotes_max) {
    double left = deadline - now_s();
    if (left <= 0) break;
    struct pollfd p = {fd, POLLIN, 0};
    int wait_ms = left * 1000 < stall_ms ? (int)(left * 1000) + 1 : stall_ms;
    int ready = poll(&p, 1, wait_ms);
    if (ready < 0 && errno != EINTR) break;
    if (ready == 0) {
      if (now_s() < deadline) send_requests(fd, in_flight), topups++;
      continue;
    }
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < batch_max; i++) {
      iovs[i] = (struct iovec){replies[i], reply_bytes};
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int got = recvmmsg(fd, msgs, batch_max, MSG_DONTWAIT, NULL);
    if (got <= 0) continue; /* ECONNREFUSED (no one on the port yet) or nothing after all */
    quotes += got;
    long owed = quotes_max - quotes;
    send_requests(fd, got < owed ? got : (int)owed);
  }
  printf("{\"quotes\":%ld,\"seconds\":%.6f,\"topups\":%ld}\n", quotes, now_s() - t0, topups);
  return 0;
}
