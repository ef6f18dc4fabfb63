/* view_help: every key, what the screens show, and the table of the box
 * codes the small diagram uses (view.h). Wrapped at the terminal's width;
 * j/k and PgDn/PgUp scroll; Esc, ? or q go back to the view it was opened
 * from. */
#include "view.h"

#include "../render/text.h"

#include <stdio.h>
#include <string.h>

static const char help_text[] =
	"nfpath keys\n"
	"\n"
	"  n Right      next hop\n"
	"  p Left       previous hop\n"
	"  Home End     first and last hop\n"
	"  j Down       next packet\n"
	"  k Up         previous packet\n"
	"  PgDn PgUp    ten packets on or back\n"
	"  f            next packet of this flow\n"
	"  h            a journey over several hosts: the diagram draws one host's netfilter (the selected hop's, "
	"named over the diagram); h goes to the first hop on the journey's next host\n"
	"  c            compare with the next packet of this flow and direction (first packet against a later one)\n"
	"  r            compare with the matching packet of the other direction (request against reply)\n"
	"  /            filter packets by text (address, name, box, chain, device); Enter keeps the filter, "
	"Esc clears it, C-u erases what was typed\n"
	"  Tab          next pane (on small terminals: which pane fills the screen)\n"
	"  z            zoom: the diagram alone, as large as the terminal allows; on small terminals the route's "
	"boxes with their full names\n"
	"  space        live: pause or resume the display (the capture goes on)\n"
	"  F            live: follow the newest packet\n"
	"  w            write everything captured so far to a recording file (its name is shown)\n"
	"  m            mouse on or off (click a packet, a hop or a box; the wheel scrolls)\n"
	"  Esc          back (from compare, help, zoom or the filter)\n"
	"  ?            this help; q quits\n"
	"\n"
	"The top line is the selected packet: protocol, endpoints (names the capture learnt), ports or ICMP "
	"id and sequence, its conntrack state, and its fate (forwarded to, delivered locally, dropped or rejected where). The packet list's columns are the packet number (#), its flow (fl: "
	"f1, f2, ...), its direction (request or reply arrow), its conntrack state (ct: new, est: established, "
	"rel: related, inv: invalid, -: not tracked), the packet and its fate, and the number of hops it made. On the diagram, N marks the box of hop N, "
	"N+k a box with k more hops after hop N, the current hop is reversed, and a skipped box (on the way, "
	"without a hop) is dashed or marked with an x.\n";

/* the box codes of the smallest diagram, one per code and name */
static void codes_table(const struct tui *u, struct capture_buf *b, int w)
{
	const char *title = "\nBox codes of the small diagram\n";
	capture_buf_put(b, title, strlen(title));
	int colw = 26, cols = (w - 2) / colw;
	if (cols < 1)
		cols = 1;
	int n = render_diagram_nnodes(u->d), col = 0;
	char seen[64][96];
	int nseen = 0;
	for (int i = 0; i < n; i++) {
		char name[64], entry[96];
		const char *id = render_diagram_node_id(u->d, i);
		const char *slash = strchr(id, '/');
		if (render_diagram_node_is_chain(u->d, i) && slash) {
			snprintf(name, sizeof(name), "%s", slash + 1);
			for (char *c = name; *c; c++)
				if (*c == ':')
					*c = ' ';
		} else {
			render_diagram_node_name(u->d, i, name, sizeof(name));
		}
		snprintf(entry, sizeof(entry), "%-3s %s", render_diagram_node_code(u->d, i), name);
		int dup = 0;
		for (int k = 0; k < nseen && !dup; k++)
			dup = strncmp(seen[k], entry, sizeof(seen[k]) - 1) == 0;
		if (dup)
			continue;
		if (nseen < 64)
			snprintf(seen[nseen++], sizeof(seen[0]), "%s", entry);
		char cell[128];
		snprintf(cell, sizeof(cell), "  %-*.*s", colw - 2, colw - 2, entry);
		capture_buf_put(b, cell, strlen(cell));
		if (++col == cols) {
			capture_buf_putc(b, '\n');
			col = 0;
		}
	}
	if (col)
		capture_buf_putc(b, '\n');
}

/* the help as wrapped lines */
static int help_lines(const struct tui *u, int w, struct capture_buf *out)
{
	struct capture_buf tab = { 0 };
	int n = render_wrap(out, help_text, w, u->ascii);
	codes_table(u, &tab, w);
	/* the table is laid out in columns already: lines are kept whole */
	if (tab.p)
		capture_buf_put(out, tab.p, tab.len);
	for (size_t i = 0; i < tab.len; i++)
		n += tab.p[i] == '\n';
	capture_buf_put(out, "\nEsc or ? to close; j k PgDn PgUp scroll.\n", 42);
	capture_buf_free(&tab);
	return n + 2;
}

static void draw(struct tui *u, int body, int w)
{
	struct capture_buf b = { 0 };
	int n = help_lines(u, w - 2, &b);
	if (u->help_top > n - body)
		u->help_top = n - body > 0 ? n - body : 0;
	u->help_rows = body;
	u->help_lines = n;
	const char *s = b.p ? b.p : "";
	for (int line = 0; *s && line < u->help_top + body; line++) {
		const char *nl = strchr(s, '\n');
		size_t l = nl ? (size_t)(nl - s) : strlen(s);
		if (line >= u->help_top) {
			char buf[1024];
			snprintf(buf, sizeof(buf), "%.*s", (int)(l < sizeof(buf) - 1 ? l : sizeof(buf) - 1), s);
			tui_put_fit(u, line - u->help_top, 1, w - 2, buf, line == 0 ? A_BOLD : 0, 0);
		}
		s += l + (nl ? 1 : 0);
	}
	capture_buf_free(&b);
}

static enum tui_key_result key(struct tui *u, int ch)
{
	int page = u->help_rows > 2 ? u->help_rows - 2 : 1;
	switch (ch) {
	case 27:
	case '?':
	case 'q':
		u->help_top = 0;
		tui_open_view(u, u->prev ? u->prev : &tui_view_main);
		break;
	case 'j':
	case 'n':
	case KEY_DOWN:
		u->help_top++;
		break;
	case 'k':
	case 'p':
	case KEY_UP:
		if (u->help_top)
			u->help_top--;
		break;
	case ' ':
	case KEY_NPAGE:
		u->help_top += page;
		break;
	case KEY_PPAGE:
		u->help_top = u->help_top > page ? u->help_top - page : 0;
		break;
	case KEY_HOME:
		u->help_top = 0;
		break;
	case KEY_END:
		u->help_top = u->help_lines;
		break;
	}
	return TUI_KEY_HANDLED;
}

static void mouse(struct tui *u, const MEVENT *ev)
{
	if (ev->bstate & BUTTON4_PRESSED)
		key(u, KEY_UP);
	else if (ev->bstate & BUTTON5_PRESSED)
		key(u, KEY_DOWN);
	else if (ev->bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED))
		key(u, 27);
}

static void status(struct tui *u, char *out, size_t cap)
{
	int last = u->help_top + u->help_rows < u->help_lines ? u->help_top + u->help_rows : u->help_lines;
	snprintf(out, cap, "help: lines %d-%d of %d", u->help_top + 1, last, u->help_lines);
}

const struct tui_view tui_view_help = { "help", draw, key, mouse, status };
