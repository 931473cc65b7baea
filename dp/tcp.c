/* dp/tcp.c — the TCP tracking table (see tcp.h).
 *
 * Reading guide, per row: where a connection goes from that state when the
 * client (IN) or the server (OUT) sends SYN, SYN+ACK, FIN, ACK or RST.
 * Choices worth stating:
 * - A RST from either side closes at once (short CLOSE timeout keeps the
 *   mapping for the RST's retransmits and stray segments).
 * - SYN_RECV waits for the client's ACK, not the server's SYN+ACK: only the
 *   third packet proves the client is real, so half-open floods stay on the
 *   short SYN timeout.
 * - Both FINs seen ⇒ TIME_WAIT whoever closed first, except the server's FIN
 *   after the client's in CLOSE_WAIT order, which waits for the last ACK.
 * - A new SYN from the client in TIME_WAIT/CLOSE is a new connection on a
 *   reused port: the lcore retires the old session before it gets here, so
 *   the rows only keep such a SYN from reviving a closed state. */
#include "dp/tcp.h"

#define N  DP_TCP_NONE
#define SR DP_TCP_SYN_RECV
#define SS DP_TCP_SYN_SENT
#define ES DP_TCP_ESTABLISHED
#define FW DP_TCP_FIN_WAIT
#define CW DP_TCP_CLOSE_WAIT
#define LA DP_TCP_LAST_ACK
#define TW DP_TCP_TIME_WAIT
#define CL DP_TCP_CLOSE

const uint8_t dp_tcp_next_table[2][DP_TCP_EV_MAX][DP_TCP_STATE_MAX] = {
	[DP_DIR_IN] = {
		/*                    N   SR  SS  ES  FW  CW  LA  TW  CL */
		[DP_TCP_EV_SYN]    = { SR, SR, SR, ES, FW, CW, LA, TW, CL },
		[DP_TCP_EV_SYNACK] = { CL, SR, ES, ES, FW, CW, LA, TW, CL },
		[DP_TCP_EV_FIN]    = { CL, FW, FW, FW, FW, LA, LA, TW, CL },
		[DP_TCP_EV_ACK]    = { CL, ES, SS, ES, FW, CW, LA, TW, CL },
		[DP_TCP_EV_RST]    = { CL, CL, CL, CL, CL, CL, CL, CL, CL },
	},
	[DP_DIR_OUT] = {
		/*                    N   SR  SS  ES  FW  CW  LA  TW  CL */
		[DP_TCP_EV_SYN]    = { SS, SR, SS, ES, FW, CW, LA, TW, CL },
		[DP_TCP_EV_SYNACK] = { CL, SR, SS, ES, FW, CW, LA, TW, CL },
		[DP_TCP_EV_FIN]    = { CL, CW, CW, CW, TW, CW, LA, TW, CL },
		[DP_TCP_EV_ACK]    = { CL, SR, SS, ES, FW, CW, TW, TW, CL },
		[DP_TCP_EV_RST]    = { CL, CL, CL, CL, CL, CL, CL, CL, CL },
	},
};

/* Input only (DR, TUNNEL): the client's packets alone must tell the
 * connection's life.
 * - SYN_RECV until the client's ACK: that ACK is its answer to the server's
 *   SYN+ACK (which we never see), so the handshake is complete; a spoofed
 *   SYN never gets there and stays on the short SYN timeout.
 * - The client's FIN: FIN_WAIT (the server may still be sending; the
 *   connection counts as open, on the FIN timeout). The client's next ACK
 *   after its FIN is, in the usual close, its acknowledgement of the
 *   server's FIN: TIME_WAIT. A half-closed client that keeps acknowledging
 *   data stays forwarded in TIME_WAIT, each ACK re-arming the timer.
 * - RST: CLOSE at once.
 * - SYN_SENT (a SYN from the server side) cannot happen: its row only keeps
 *   the table total. */
const uint8_t dp_tcp_oneway_table[DP_TCP_EV_MAX][DP_TCP_STATE_MAX] = {
	/*                    N   SR  SS  ES  FW  CW  LA  TW  CL */
	[DP_TCP_EV_SYN]    = { SR, SR, SS, ES, FW, CW, LA, TW, CL },
	[DP_TCP_EV_SYNACK] = { CL, SR, SS, ES, FW, CW, LA, TW, CL },
	[DP_TCP_EV_FIN]    = { CL, FW, SS, FW, FW, LA, LA, TW, CL },
	[DP_TCP_EV_ACK]    = { CL, ES, SS, ES, TW, CW, TW, TW, CL },
	[DP_TCP_EV_RST]    = { CL, CL, CL, CL, CL, CL, CL, CL, CL },
};

const char *const dp_tcp_state_names[DP_TIMEOUT_MAX] = {
	[DP_TCP_NONE] = "NONE",
	[DP_TCP_SYN_RECV] = "SYN_RECV",
	[DP_TCP_SYN_SENT] = "SYN_SENT",
	[DP_TCP_ESTABLISHED] = "ESTABLISHED",
	[DP_TCP_FIN_WAIT] = "FIN_WAIT",
	[DP_TCP_CLOSE_WAIT] = "CLOSE_WAIT",
	[DP_TCP_LAST_ACK] = "LAST_ACK",
	[DP_TCP_TIME_WAIT] = "TIME_WAIT",
	[DP_TCP_CLOSE] = "CLOSE",
	[DP_UDP_STATE] = "UDP",
};
