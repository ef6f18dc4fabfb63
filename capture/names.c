/* names: bridge ports and addresses -> containers and namespaces.
 *
 * Only what the traced namespace is connected to is named: the namespaces
 * at the other end of its veth pairs, by the Docker container that uses
 * one (first), else the ip netns name, else a process inside. A namespace
 * that merely holds the same address (a decoy, another lab) names nothing.
 * Each key gets one name per scan, the first found. */
#include "names.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int capture_names_parse_link(const char *line, char *ifname, size_t ifcap, char *nsname, size_t nscap, int *nsid)
{
	/* "5: veth35a37f1@if4: <...> ... link-netnsid 1 ..." */
	const char *p = strchr(line, ':');
	if (!p || p[1] != ' ')
		return -1;
	p += 2;
	size_t n = strcspn(p, "@:");
	if (!n || n >= ifcap)
		return -1;
	memcpy(ifname, p, n);
	ifname[n] = '\0';
	*nsid = -1;
	nsname[0] = '\0';
	const char *q;
	if ((q = strstr(line, " link-netns "))) {
		q += 12;
		size_t l = strcspn(q, " \\");
		if (l < nscap) {
			memcpy(nsname, q, l);
			nsname[l] = '\0';
		}
	} else if ((q = strstr(line, " link-netnsid "))) {
		*nsid = atoi(q + 14);
	}
	return 0;
}

int capture_names_parse_docker(const char *line, char *name, size_t ncap, char *id, size_t icap, char *sandbox,
			       size_t scap, char *ips, size_t ipcap)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", line);
	buf[strcspn(buf, "\n")] = '\0';
	char *f[4];
	char *save = NULL;
	int n = 0;
	for (char *tok = strtok_r(buf, "|", &save); tok && n < 4; tok = strtok_r(NULL, "|", &save))
		f[n++] = tok;
	if (n < 3)
		return -1;
	snprintf(name, ncap, "%s", f[0][0] == '/' ? f[0] + 1 : f[0]);
	snprintf(id, icap, "%.12s", f[1]);
	snprintf(sandbox, scap, "%s", f[2]);
	snprintf(ips, ipcap, "%s", n > 3 ? f[3] : "");
	return name[0] ? 0 : -1;
}

int capture_names_nsid(struct mnl_socket *nl, int fd, uint32_t seq)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETNSID;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	struct rtgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_FD, (uint32_t)fd);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	const struct nlmsghdr *r = (const struct nlmsghdr *)buf;
	if (n <= 0 || !mnl_nlmsg_ok(r, (int)n) || r->nlmsg_type != RTM_NEWNSID)
		return -1;
	const struct nlattr *a;
	int id = -1;
	mnl_attr_for_each(a, r, sizeof(struct rtgenmsg))
	{
		if (mnl_attr_get_type(a) == NETNSA_NSID && mnl_attr_get_payload_len(a) >= 4)
			id = (int32_t)mnl_attr_get_u32(a);
	}
	return id;
}

/* the id the current namespace gives the namespace in file path, or -1 */
static int nsid_of(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	int id = -1;
	if (nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == 0)
		id = capture_names_nsid(nl, fd, 1);
	if (nl)
		mnl_socket_close(nl);
	close(fd);
	return id;
}

struct ns {
	int nsid;
	char name[128];
	char ips[512];
};

struct found {
	struct ns ns[256];
	int n;
};

static struct ns *ns_by_id(struct found *f, int id)
{
	for (int i = 0; i < f->n; i++)
		if (f->ns[i].nsid == id && id >= 0)
			return &f->ns[i];
	return NULL;
}

static void add_ns(struct found *f, int id, const char *name, const char *ips)
{
	if (id < 0 || ns_by_id(f, id) || f->n == 256)
		return;
	struct ns *s = &f->ns[f->n++];
	s->nsid = id;
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->ips, sizeof(s->ips), "%s", ips ? ips : "");
}

/* keys named in this scan, "kind key" */
struct named {
	struct capture_strpool *keys;
};

/* namespace and container names are whatever their owners chose: the
 * writer escapes them like every recording value. A key named already
 * keeps its first name. */
static void rec(struct capture_buf *b, struct named *nd, int kind, const char *key, const char *name, int *count)
{
	char k[300];
	int n = snprintf(k, sizeof(k), "%d %s", kind, key);
	if (nd->keys && n > 0 && (size_t)n < sizeof(k)) {
		if (capture_strpool_find(nd->keys, k, (size_t)n) != UINT32_MAX)
			return;
		capture_strpool_intern(nd->keys, k, (size_t)n);
	}
	capture_rec_write_name(b, kind, key, strlen(key), name, strlen(name));
	(*count)++;
}

/* ---- system tools -------------------------------------------------------
 * The capture runs as root: a tool is taken from the system directories,
 * and only when root owns it and nobody else may write it, never from
 * whatever PATH says first. */
static const char *const tool_dirs[] = { "/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin" };

int capture_tool_path(const char *name, char *path, size_t cap)
{
	if (strchr(name, '/'))
		return -1;
	for (size_t i = 0; i < sizeof(tool_dirs) / sizeof(tool_dirs[0]); i++) {
		struct stat st;
		snprintf(path, cap, "%s/%s", tool_dirs[i], name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) && st.st_uid == 0 &&
		    !(st.st_mode & 022))
			return 0;
	}
	return -1;
}

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int capture_tool_run(const char *const argv[], double timeout, struct capture_buf *out)
{
	char path[256];
	int p[2];
	if (capture_tool_path(argv[0], path, sizeof(path)) < 0 || pipe(p) < 0)
		return -1;
	/* posix_spawn, not fork: a fork marks every page of the capture
	 * copy-on-write, and the receiver and the decoder then fault on each
	 * page they write (some 3,000 faults a second in a flood, with the
	 * names looked up every few seconds); glibc spawns without copying */
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	pid_t pid = -1;
	int err = posix_spawn_file_actions_init(&fa);
	if (err == 0 && (err = posix_spawnattr_init(&at)) != 0)
		posix_spawn_file_actions_destroy(&fa);
	if (err == 0) {
		/* its own group, so a hung tool and its children go together */
		err = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
		if (!err)
			err = posix_spawnattr_setpgroup(&at, 0);
		posix_spawn_file_actions_adddup2(&fa, p[1], 1);
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0);
		posix_spawn_file_actions_adddup2(&fa, 0, 2);
		/* the capture's netlink sockets hold its owner tables */
		posix_spawn_file_actions_addclosefrom_np(&fa, 3);
		if (!err)
			err = posix_spawn(&pid, path, &fa, &at, (char *const *)argv, environ);
		/* the parent sets the group too (the classic double setpgid):
		 * whatever the child has run by now, kill(-pid) below finds
		 * the group; EACCES once it has exec'd means it is set */
		if (!err)
			setpgid(pid, pid);
		posix_spawn_file_actions_destroy(&fa);
		posix_spawnattr_destroy(&at);
	}
	close(p[1]);
	if (err) {
		close(p[0]);
		errno = err;
		return -1;
	}
	double end = mono_now() + timeout;
	int timed_out = 0;
	for (;;) {
		int left = (int)((end - mono_now()) * 1000);
		if (left <= 0) {
			timed_out = 1;
			break;
		}
		struct pollfd pf = { p[0], POLLIN, 0 };
		if (poll(&pf, 1, left) <= 0)
			continue;
		char chunk[4096];
		ssize_t n = read(p[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out->len < (1u << 20))
			capture_buf_put(out, chunk, (size_t)n);
	}
	close(p[0]);
	if (timed_out && kill(-pid, SIGKILL) < 0)
		kill(pid, SIGKILL); /* no group after all: at least the tool */
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* the lines of a tool's output, one at a time */
static int next_line(const struct capture_buf *b, size_t *off, char *line, size_t cap)
{
	if (!b->p || *off >= b->len)
		return 0;
	const char *s = b->p + *off, *eol = memchr(s, '\n', b->len - *off);
	size_t l = eol ? (size_t)(eol - s) : b->len - *off;
	*off += l + (eol ? 1 : 0);
	snprintf(line, cap, "%.*s", (int)(l < cap ? l : cap - 1), s);
	return 1;
}

/* addresses of `ip -o addr show` output lines, as "a,b,c," */
static void addrs_of(const struct capture_buf *ob, char *out, size_t cap, char *per_dev_out, size_t pcap)
{
	char line[1024];
	out[0] = '\0';
	if (per_dev_out)
		per_dev_out[0] = '\0';
	for (size_t off = 0; next_line(ob, &off, line, sizeof(line));) {
		/* "3: docker0    inet 172.17.0.1/16 brd ..." */
		char dev[64] = "", fam[8] = "", addr[64] = "";
		if (sscanf(line, "%*d: %63s %7s %63s", dev, fam, addr) != 3)
			continue;
		if (strcmp(fam, "inet") && strcmp(fam, "inet6"))
			continue;
		addr[strcspn(addr, "/")] = '\0';
		if (strncmp(addr, "fe80", 4) == 0 || strcmp(addr, "127.0.0.1") == 0 || strcmp(addr, "::1") == 0)
			continue;
		size_t l = strlen(out);
		snprintf(out + l, cap - l, "%s,", addr);
		if (per_dev_out) {
			l = strlen(per_dev_out);
			snprintf(per_dev_out + l, pcap - l, "%s=%s,", addr, dev);
		}
	}
}

size_t capture_names_key_len(const char *line, size_t len)
{
	const char *p = memmem(line, len, "\tname=", 6);
	return p ? (size_t)(p - line) : len;
}

struct link {
	char ifname[64];
	int nsid;
};

int capture_names_scan(struct capture_buf *b)
{
	struct found *f = calloc(1, sizeof(*f));
	struct link *links = calloc(256, sizeof(*links));
	struct named nd = { capture_strpool_new() };
	int count = 0, nlinks = 0;
	char line[2048];
	struct capture_buf ob = { 0 };
	if (!f || !links)
		goto out;
	/* 1. the veth pairs of this namespace and the namespaces at their
	 * other ends: all that will be named */
	static const char *const link_argv[] = { "ip", "-d", "-o", "link", "show", NULL };
	capture_tool_run(link_argv, 2, &ob);
	for (size_t off = 0; nlinks < 256 && next_line(&ob, &off, line, sizeof(line));) {
		char nsname[128];
		struct link *l = &links[nlinks];
		if (capture_names_parse_link(line, l->ifname, sizeof(l->ifname), nsname, sizeof(nsname), &l->nsid) < 0)
			continue;
		if (nsname[0] && !strchr(nsname, '/')) {
			/* iproute2 shows the ip netns name when it knows one */
			char path[300];
			snprintf(path, sizeof(path), "/var/run/netns/%.200s", nsname);
			l->nsid = nsid_of(path);
		}
		if (l->nsid >= 0)
			nlinks++;
	}
	ob.len = 0;
	/* 2. Docker, when it is there and answers within two seconds: a
	 * container behind one of our veths names its addresses (IPv4 and
	 * IPv6) and the port */
	static const char *const ps_argv[] = { "docker", "ps", "-q", "--no-trunc", NULL };
	if (nlinks && capture_tool_run(ps_argv, 2, &ob) == 0 && ob.len) {
		static const char fmt[] = "{{.Name}}|{{.Id}}|{{.NetworkSettings.SandboxKey}}|"
					  "{{range .NetworkSettings.Networks}}{{.IPAddress}},{{.GlobalIPv6Address}},{{end}}";
		const char *argv[70] = { "docker", "inspect", "--format", fmt };
		int argc = 4;
		char ids[64][72];
		int nids = 0;
		for (size_t off = 0; nids < 64 && next_line(&ob, &off, line, sizeof(line));)
			if (line[0] && strlen(line) < sizeof(ids[0]) && strspn(line, "0123456789abcdef") == strlen(line)) {
				snprintf(ids[nids], sizeof(ids[0]), "%s", line);
				argv[argc++] = ids[nids++];
			}
		argv[argc] = NULL;
		struct capture_buf ib = { 0 };
		/* two seconds of its own, as `docker ps` had: a loaded host
		 * answers slowly, and names found late cannot replace a port's
		 * fallback "pid N" */
		if (nids)
			capture_tool_run(argv, 2, &ib);
		for (size_t off = 0; next_line(&ib, &off, line, sizeof(line));) {
			char name[128], id[16], sandbox[512], ips[512];
			if (capture_names_parse_docker(line, name, sizeof(name), id, sizeof(id), sandbox, sizeof(sandbox), ips,
						       sizeof(ips)) < 0)
				continue;
			int nsid = nsid_of(sandbox);
			int ours = 0;
			for (int i = 0; i < nlinks; i++)
				ours |= links[i].nsid == nsid;
			if (!ours)
				continue;
			add_ns(f, nsid, name, ips);
			rec(b, &nd, 3, name, id, &count);
			for (char *save = NULL, *a = strtok_r(ips, ",", &save); a; a = strtok_r(NULL, ",", &save))
				if (*a)
					rec(b, &nd, 2, a, name, &count);
		}
		capture_buf_free(&ib);
	}
	ob.len = 0;
	/* 3. ip netns names of the other connected namespaces */
	DIR *dir = opendir("/var/run/netns");
	struct dirent *de;
	while (dir && (de = readdir(dir))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) > 200)
			continue;
		char path[512];
		snprintf(path, sizeof(path), "/var/run/netns/%s", de->d_name);
		int id = nsid_of(path);
		int ours = 0;
		for (int i = 0; i < nlinks; i++)
			ours |= links[i].nsid == id;
		if (!ours || ns_by_id(f, id))
			continue;
		char ips[512] = "";
		const char *argv[] = { "ip", "-n", de->d_name, "-o", "addr", "show", NULL };
		ob.len = 0;
		if (capture_tool_run(argv, 2, &ob) == 0)
			addrs_of(&ob, ips, sizeof(ips), NULL, 0);
		add_ns(f, id, de->d_name, ips);
		for (char *save = NULL, *x = strtok_r(ips, ",", &save); x; x = strtok_r(NULL, ",", &save))
			rec(b, &nd, 2, x, de->d_name, &count);
	}
	if (dir)
		closedir(dir);
	/* 4. the ports: named after the namespace at the other end, else a
	 * process inside it ("pid N") */
	int unnamed[64], nun = 0;
	char unnamed_dev[64][64];
	for (int i = 0; i < nlinks; i++) {
		struct ns *s = ns_by_id(f, links[i].nsid);
		if (s)
			rec(b, &nd, 1, links[i].ifname, s->name, &count);
		else if (nun < 64) {
			unnamed[nun] = links[i].nsid;
			snprintf(unnamed_dev[nun++], sizeof(unnamed_dev[0]), "%.63s", links[i].ifname);
		}
	}
	if (nun) {
		DIR *pd = opendir("/proc");
		while (pd && (de = readdir(pd)) && nun) {
			if (de->d_name[0] < '1' || de->d_name[0] > '9')
				continue;
			char path[300];
			snprintf(path, sizeof(path), "/proc/%s/ns/net", de->d_name);
			int id = nsid_of(path);
			for (int i = 0; i < nun; i++)
				if (unnamed[i] == id) {
					char nm[64];
					snprintf(nm, sizeof(nm), "pid %.50s", de->d_name);
					rec(b, &nd, 1, unnamed_dev[i], nm, &count);
					unnamed[i] = unnamed[--nun];
					memcpy(unnamed_dev[i], unnamed_dev[nun], sizeof(unnamed_dev[0]));
					i--;
				}
		}
		if (pd)
			closedir(pd);
	}
	/* 5. the rest: addresses of this namespace's own interfaces */
	static const char *const addr_argv[] = { "ip", "-o", "addr", "show", NULL };
	ob.len = 0;
	if (capture_tool_run(addr_argv, 2, &ob) == 0) {
		char ips[2048], per[4096];
		addrs_of(&ob, ips, sizeof(ips), per, sizeof(per));
		for (char *save = NULL, *x = strtok_r(per, ",", &save); x; x = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(x, '=');
			if (!eq)
				continue;
			*eq = '\0';
			char nm[96];
			snprintf(nm, sizeof(nm), "host %s", eq + 1);
			rec(b, &nd, 2, x, nm, &count);
		}
	}
out:
	capture_buf_free(&ob);
	capture_strpool_free(nd.keys);
	free(links);
	free(f);
	return count;
}
