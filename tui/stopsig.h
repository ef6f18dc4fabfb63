/* stopsig: how nfpath's commands take INT, TERM and HUP.
 *
 * Each command (the explorer, the text outputs, nfpath capture) stops on
 * these signals the same way: a handler records the signal and the
 * command's loop sees it, then finishes cleanly (terminal restored,
 * tables removed, totals printed). No SA_RESTART, so a waiting read or
 * poll returns. */
#ifndef NFP_STOPSIG_H
#define NFP_STOPSIG_H

#include <signal.h>

/* Installs the handler; returns the flag it sets: 0 until one of the
 * signals arrives, then its number. The flag lives as long as the process. */
const volatile sig_atomic_t *tui_stop_signals(void);

#endif
