/* names: who is behind a bridge port or an address.
 *
 * Runs in the traced namespace, off the capture's hot path (a thread that
 * looks again every few seconds). A veth port is named after the namespace
 * of its peer: the Docker container using it (asked of `docker`, which may
 * be absent, slow or hung: it gets two seconds), else the `ip netns` name,
 * else "pid N" of a process inside it. Addresses are named after the
 * container or namespace that holds them, or the local interface. */
#ifndef NFP_NAMES_H
#define NFP_NAMES_H

#include "record.h"

/* Appends "N\tkind=...\tkey=...\tname=..." records for everything found to
 * b, one per key. Returns the number of records; never fails the capture. */
int capture_names_scan(struct capture_buf *b);

/* The part of a record line that says what is named (up to "\tname="): a
 * capture that looks again writes a key once, however its name changes. */
size_t capture_names_key_len(const char *line, size_t len);

/* Runs a system tool (argv[0], a bare name) found in the system
 * directories, never through PATH, and only when root owns it and no one
 * else may write it. Its standard output (up to 1 MiB) is appended to out;
 * it is killed, with its process group, after timeout seconds. Returns its
 * exit status, or -1 (not found or not safe, could not run, timed out,
 * killed). */
int capture_tool_run(const char *const argv[], double timeout, struct capture_buf *out);
/* The path of system tool name as capture_tool_run finds it (ssh for
 * --ssh, too). -1 when none is safe. */
int capture_tool_path(const char *name, char *path, size_t cap);

/* Parsers, pure, for tests. */
/* one line of `ip -d -o link show`: ifname, and the peer's netns name or
 * id (-1 when none). Returns 0 when the line is a link. */
struct mnl_socket;
/* The id the current namespace gives the namespace open as fd (an
 * RTM_GETNSID request on nl, a bound NETLINK_ROUTE socket; seq its
 * sequence number), or -1. The one place both the namer and the drop
 * tracer's namespace filter ask it. */
int capture_names_nsid(struct mnl_socket *nl, int fd, uint32_t seq);

int capture_names_parse_link(const char *line, char *ifname, size_t ifcap, char *nsname, size_t nscap, int *nsid);
/* one line of our `docker inspect --format`: "/name|id|sandbox|ip,ip," */
int capture_names_parse_docker(const char *line, char *name, size_t ncap, char *id, size_t icap, char *sandbox,
			       size_t scap, char *ips, size_t ipcap);

#endif
