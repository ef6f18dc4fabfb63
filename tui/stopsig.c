/* stopsig: one stop flag for INT, TERM and HUP (see stopsig.h). */
#include "stopsig.h"

#include <string.h>

/* a signal handler can only reach static storage */
static volatile sig_atomic_t stop_sig;

static void on_stop(int sig)
{
	stop_sig = sig;
}

const volatile sig_atomic_t *tui_stop_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	return &stop_sig;
}
