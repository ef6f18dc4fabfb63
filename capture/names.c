/* names: bridge ports and addresses -> containers and namespaces. */
#include "names.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

/* the id the current namespace gives the namespace in file path, or -1 */
static int nsid_of(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	int id = -1;
	if (nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == 0) {
		char buf[MNL_SOCKET_BUFFER_SIZE];
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_GETNSID;
		nlh->nlmsg_flags = NLM_F_REQUEST;
		nlh->nlmsg_seq = 1;
		struct rtgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
		g->rtgen_family = AF_UNSPEC;
		mnl_attr_put_u32(nlh, NETNSA_FD, (uint32_t)fd);
		if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) >= 0) {
			ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
			const struct nlmsghdr *r = (const struct nlmsghdr *)buf;
			if (n > 0 && mnl_nlmsg_ok(r, (int)n) && r->nlmsg_type == RTM_NEWNSID) {
				const struct nlattr *a;
				mnl_attr_for_each(a, r, sizeof(struct rtgenmsg))
				{
					if (mnl_attr_get_type(a) == NETNSA_NSID && mnl_attr_get_payload_len(a) >= 4)
						id = (int32_t)mnl_attr_get_u32(a);
				}
			}
		}
	}
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

/* namespace and container names are whatever their owners chose: the
 * writer escapes them like every recording value */
static void rec(struct capture_buf *b, int kind, const char *key, const char *name, int *count)
{
	capture_rec_write_name(b, kind, key, strlen(key), name, strlen(name));
	(*count)++;
}

/* addresses of `ip -o addr show` output lines, as "a,b,c," */
static void addrs_of(FILE *f, char *out, size_t cap, char *per_dev_out, size_t pcap)
{
	char line[1024];
	out[0] = '\0';
	if (per_dev_out)
		per_dev_out[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
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

int capture_names_scan(struct capture_buf *b)
{
	static struct found f;
	memset(&f, 0, sizeof(f));
	int count = 0;
	char line[2048];
	/* 1. Docker, when it is there and answers within two seconds */
	FILE *p = popen("ids=$(timeout 2 docker ps -q --no-trunc 2>/dev/null) && [ -n \"$ids\" ] && "
			"timeout 2 docker inspect --format "
			"'{{.Name}}|{{.Id}}|{{.NetworkSettings.SandboxKey}}|{{range .NetworkSettings.Networks}}{{.IPAddress}},{{end}}' "
			"$ids 2>/dev/null",
			"r");
	while (p && fgets(line, sizeof(line), p)) {
		char name[128], id[16], sandbox[512], ips[512];
		if (capture_names_parse_docker(line, name, sizeof(name), id, sizeof(id), sandbox, sizeof(sandbox), ips,
					       sizeof(ips)) < 0)
			continue;
		add_ns(&f, nsid_of(sandbox), name, ips);
		rec(b, 3, name, id, &count);
		/* the container's addresses, whatever its port */
		for (char *save = NULL, *a = strtok_r(ips, ",", &save); a; a = strtok_r(NULL, ",", &save))
			if (*a)
				rec(b, 2, a, name, &count);
	}
	if (p)
		pclose(p);
	/* 2. ip netns names */
	DIR *dir = opendir("/var/run/netns");
	struct dirent *de;
	while (dir && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		char path[512];
		snprintf(path, sizeof(path), "/var/run/netns/%s", de->d_name);
		int id = nsid_of(path);
		char cmd[600], ips[512] = "";
		/* names are directory entries: quote them for the shell */
		if (strchr(de->d_name, '\'') || strlen(de->d_name) > 200)
			continue;
		snprintf(cmd, sizeof(cmd), "timeout 2 ip -n '%s' -o addr show 2>/dev/null", de->d_name);
		FILE *a = popen(cmd, "r");
		if (a) {
			addrs_of(a, ips, sizeof(ips), NULL, 0);
			pclose(a);
		}
		if (!ns_by_id(&f, id)) {
			add_ns(&f, id, de->d_name, ips);
			for (char *save = NULL, *x = strtok_r(ips, ",", &save); x; x = strtok_r(NULL, ",", &save))
				rec(b, 2, x, de->d_name, &count);
		}
	}
	if (dir)
		closedir(dir);
	/* 3. the ports here: veth peers' namespaces, by id or name */
	FILE *l = popen("ip -d -o link show 2>/dev/null", "r");
	int unnamed[64], nun = 0;
	char unnamed_dev[64][64];
	while (l && fgets(line, sizeof(line), l)) {
		char ifname[64], nsname[128];
		int nsid;
		if (capture_names_parse_link(line, ifname, sizeof(ifname), nsname, sizeof(nsname), &nsid) < 0)
			continue;
		if (nsname[0]) {
			/* iproute2 shows the ip netns name; a container using that
			 * namespace is the better name */
			char path[300];
			snprintf(path, sizeof(path), "/var/run/netns/%.200s", nsname);
			struct ns *s = ns_by_id(&f, nsid_of(path));
			rec(b, 1, ifname, s ? s->name : nsname, &count);
		} else if (nsid >= 0) {
			struct ns *s = ns_by_id(&f, nsid);
			if (s)
				rec(b, 1, ifname, s->name, &count);
			else if (nun < 64) {
				unnamed[nun] = nsid;
				snprintf(unnamed_dev[nun++], sizeof(unnamed_dev[0]), "%.63s", ifname);
			}
		}
	}
	if (l)
		pclose(l);
	/* 4. still nameless: a process inside says "pid N" */
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
					rec(b, 1, unnamed_dev[i], nm, &count);
					unnamed[i] = unnamed[--nun];
					memcpy(unnamed_dev[i], unnamed_dev[nun], sizeof(unnamed_dev[0]));
					i--;
				}
		}
		if (pd)
			closedir(pd);
	}
	/* 5. the rest: addresses of this namespace's own interfaces */
	FILE *a = popen("ip -o addr show 2>/dev/null", "r");
	if (a) {
		char ips[2048], per[4096];
		addrs_of(a, ips, sizeof(ips), per, sizeof(per));
		pclose(a);
		for (char *save = NULL, *x = strtok_r(per, ",", &save); x; x = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(x, '=');
			if (!eq)
				continue;
			*eq = '\0';
			char nm[96];
			snprintf(nm, sizeof(nm), "host %s", eq + 1);
			rec(b, 2, x, nm, &count);
		}
	}
	return count;
}
