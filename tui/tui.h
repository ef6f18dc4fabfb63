/* tui: the interactive explorer (ncurses). It only lays out panes, blits
 * canvases and text that render/ produced, and routes keys. */
#ifndef NFP_TUI_H
#define NFP_TUI_H

#include <signal.h>
#include <stdio.h>
#include <sys/types.h>

#include "../capture/input.h"
#include "../capture/remote.h"
#include "../capture/rules.h"
#include "../capture/trace.h"

struct tui_opts {
	int ascii;
	int color;	    /* 1 force, -1 never, 0 when the terminal has colours */
	const char *source; /* shown on the status line */
	int stream_fd;	    /* >= 0: keep reading records/lines from it (pipe, growing file, live) */
	struct capture_input *in; /* the decoder that read stream_fd so far; not owned */
	int stream_is_file; /* a regular file: poll for growth after EOF */
	pid_t child;	    /* the capture process of --live, or 0 */
	const char *diagram_text; /* the diagram description */
	size_t diagram_len;
	int no_mouse; /* leave the mouse to the terminal */
	/* --ssh: the hosts' captures, read and merged instead of stream_fd;
	 * not owned */
	struct capture_remote_set *remote;
};

/* Runs until q; returns the exit status. The terminal is restored on
 * every exit path, signals included. */
int tui_run(struct capture_trace *t, struct capture_rules *rules, const struct tui_opts *o);

/* Headless (no terminal needed): draws the explorer on a w x h screen,
 * presses keys (space-separated: one character, a name such as Enter Esc
 * Tab Space Up Down Left Right Home End PgUp PgDn BSpace C-u, "@WxH" for a
 * terminal resize, or a word typed one character at a time), then writes
 * the screen to out as text. Returns the exit status. */
int tui_screen(struct capture_trace *t, struct capture_rules *rules, const struct tui_opts *o, int w, int h,
	       const char *keys, FILE *out);

/* Average seconds to handle a key and redraw, on a w x h screen drawn to
 * /dev/null, over n presses of 'j' (make bench). */
double tui_bench(struct capture_trace *t, const struct tui_opts *o, int w, int h, int n);

#endif
