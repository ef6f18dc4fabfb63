/* view_help: every key (view.h). Any key it knows closes it, back to the
 * view it was opened from. */
#include "view.h"

static const char *const help_lines[] = {
	"nfpath keys",
	"",
	"  n  Right     next hop                  p  Left      previous hop",
	"  Home         first hop                 End          last hop",
	"  j  Down      next packet               k  Up        previous packet",
	"  f            next packet of this flow",
	"  c            compare with the next packet of this flow and direction (first vs later)",
	"  r            compare with the matching packet of the other direction (request vs reply)",
	"  Esc          back (from compare, help or filter)",
	"  /            filter packets by text (address, box, chain, device); Enter applies, Esc clears",
	"  Tab          cycle panes (on small terminals: which pane fills the screen)",
	"  z            zoom: the diagram alone, as large as the terminal allows",
	"  PgUp PgDn    move ten packets",
	"  space        live: pause / resume the display (capture goes on)",
	"  F            live: follow the newest packet",
	"  w            write everything captured so far to a recording file",
	"  m            mouse on/off (click a packet, a hop or a box; the wheel scrolls)",
	"  ?            this help",
	"  q            quit",
	"",
	"Esc or ? to close.",
};

static void draw(struct tui *u, int body, int w)
{
	(void)u;
	for (size_t i = 0; i < sizeof(help_lines) / sizeof(help_lines[0]) && (int)i < body; i++)
		tui_put_text((int)i, 1, w - 2, help_lines[i], i == 0 ? A_BOLD : 0, 0);
}

static enum tui_key_result key(struct tui *u, int ch)
{
	if (ch == 27 || ch == '?' || ch == 'q')
		tui_open_view(u, u->prev ? u->prev : &tui_view_main);
	return TUI_KEY_HANDLED;
}

static void mouse(struct tui *u, const MEVENT *ev)
{
	if (ev->bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED))
		tui_open_view(u, u->prev ? u->prev : &tui_view_main);
}

static void status(struct tui *u, char *out, size_t cap)
{
	tui_view_main.status(u, out, cap);
}

const struct tui_view tui_view_help = { "help", draw, key, mouse, status };
