/* The BGP FSM, cell by cell: every state x every event, against a table of
 * expectations written from RFC 4271 §8.2.2 (and RFC 6608 for the FSM
 * Error subcodes), independently of the engine's own table. */
#include "test_bgp_util.h"

enum { NONE = -1 };

struct want {
	enum bgp_state next;
	int msg;		/* type of the last message sent, NONE if nothing */
	int code, sub;		/* when msg is a NOTIFICATION */
};

#define W(st, m, c, s) { BGP_ST_##st, m, c, s }
#define NOTHING(st) W(st, NONE, 0, 0)
#define NOTIF(st, c, s) W(st, BGP_MSG_NOTIFICATION, c, s)
#define SENDS(st, m) W(st, m, 0, 0)

/* The *_ERR events carry the error a decoder found; the test presets
 * 1/1 for BGPHeaderErr, 2/2 for BGPOpenMsgErr and 3/1 for UpdateMsgErr. */

static const struct want want[BGP_ST_MAX][BGP_EV_MAX] = {
	[BGP_ST_IDLE] = {
		[BGP_EV_START] = NOTHING(CONNECT),
		[BGP_EV_STOP] = NOTHING(IDLE),
		[BGP_EV_IDLE_HOLD_EXP] = NOTHING(CONNECT),
		[BGP_EV_RETRY_EXP] = NOTHING(IDLE),
		[BGP_EV_HOLD_EXP] = NOTHING(IDLE),
		[BGP_EV_KEEPALIVE_EXP] = NOTHING(IDLE),
		[BGP_EV_TCP_UP] = NOTHING(IDLE),
		[BGP_EV_TCP_FAILS] = NOTHING(IDLE),
		[BGP_EV_OPEN] = NOTHING(IDLE),
		[BGP_EV_HDR_ERR] = NOTHING(IDLE),
		[BGP_EV_OPEN_ERR] = NOTHING(IDLE),
		[BGP_EV_NOTIF] = NOTHING(IDLE),
		[BGP_EV_KEEPALIVE] = NOTHING(IDLE),
		[BGP_EV_UPDATE] = NOTHING(IDLE),
		[BGP_EV_UPDATE_ERR] = NOTHING(IDLE),
		[BGP_EV_REFRESH] = NOTHING(IDLE),
	},
	[BGP_ST_CONNECT] = {
		[BGP_EV_START] = NOTHING(CONNECT),
		[BGP_EV_STOP] = NOTHING(IDLE),
		[BGP_EV_IDLE_HOLD_EXP] = NOTHING(IDLE),
		[BGP_EV_RETRY_EXP] = NOTHING(CONNECT),
		[BGP_EV_HOLD_EXP] = NOTHING(IDLE),
		[BGP_EV_KEEPALIVE_EXP] = NOTHING(IDLE),
		[BGP_EV_TCP_UP] = SENDS(OPENSENT, BGP_MSG_OPEN),
		[BGP_EV_TCP_FAILS] = NOTHING(ACTIVE),
		[BGP_EV_OPEN] = NOTHING(IDLE),
		[BGP_EV_HDR_ERR] = NOTHING(IDLE),
		[BGP_EV_OPEN_ERR] = NOTHING(IDLE),
		[BGP_EV_NOTIF] = NOTHING(IDLE),
		[BGP_EV_KEEPALIVE] = NOTHING(IDLE),
		[BGP_EV_UPDATE] = NOTHING(IDLE),
		[BGP_EV_UPDATE_ERR] = NOTHING(IDLE),
		[BGP_EV_REFRESH] = NOTHING(IDLE),
	},
	[BGP_ST_ACTIVE] = {
		[BGP_EV_START] = NOTHING(ACTIVE),
		[BGP_EV_STOP] = NOTHING(IDLE),
		[BGP_EV_IDLE_HOLD_EXP] = NOTHING(IDLE),
		[BGP_EV_RETRY_EXP] = NOTHING(CONNECT),
		[BGP_EV_HOLD_EXP] = NOTHING(IDLE),
		[BGP_EV_KEEPALIVE_EXP] = NOTHING(IDLE),
		[BGP_EV_TCP_UP] = NOTHING(OPENSENT),	/* OPEN goes on the accepted one */
		[BGP_EV_TCP_FAILS] = NOTHING(IDLE),
		[BGP_EV_OPEN] = NOTHING(IDLE),
		[BGP_EV_HDR_ERR] = NOTHING(IDLE),
		[BGP_EV_OPEN_ERR] = NOTHING(IDLE),
		[BGP_EV_NOTIF] = NOTHING(IDLE),
		[BGP_EV_KEEPALIVE] = NOTHING(IDLE),
		[BGP_EV_UPDATE] = NOTHING(IDLE),
		[BGP_EV_UPDATE_ERR] = NOTHING(IDLE),
		[BGP_EV_REFRESH] = NOTHING(IDLE),
	},
	[BGP_ST_OPENSENT] = {
		[BGP_EV_START] = NOTHING(OPENSENT),
		[BGP_EV_STOP] = NOTIF(IDLE, 6, 2),
		[BGP_EV_IDLE_HOLD_EXP] = NOTIF(IDLE, 5, 1),
		[BGP_EV_RETRY_EXP] = NOTIF(IDLE, 5, 1),
		[BGP_EV_HOLD_EXP] = NOTIF(IDLE, 4, 0),
		[BGP_EV_KEEPALIVE_EXP] = NOTIF(IDLE, 5, 1),
		[BGP_EV_TCP_UP] = NOTHING(OPENSENT),
		[BGP_EV_TCP_FAILS] = NOTHING(ACTIVE),
		[BGP_EV_OPEN] = SENDS(OPENCONFIRM, BGP_MSG_KEEPALIVE),
		[BGP_EV_HDR_ERR] = NOTIF(IDLE, 1, 1),
		[BGP_EV_OPEN_ERR] = NOTIF(IDLE, 2, 2),
		[BGP_EV_NOTIF] = NOTHING(IDLE),
		[BGP_EV_KEEPALIVE] = NOTIF(IDLE, 5, 1),
		[BGP_EV_UPDATE] = NOTIF(IDLE, 5, 1),
		[BGP_EV_UPDATE_ERR] = NOTIF(IDLE, 5, 1),
		[BGP_EV_REFRESH] = NOTIF(IDLE, 5, 1),
	},
	[BGP_ST_OPENCONFIRM] = {
		[BGP_EV_START] = NOTHING(OPENCONFIRM),
		[BGP_EV_STOP] = NOTIF(IDLE, 6, 2),
		[BGP_EV_IDLE_HOLD_EXP] = NOTIF(IDLE, 5, 2),
		[BGP_EV_RETRY_EXP] = NOTIF(IDLE, 5, 2),
		[BGP_EV_HOLD_EXP] = NOTIF(IDLE, 4, 0),
		[BGP_EV_KEEPALIVE_EXP] = SENDS(OPENCONFIRM, BGP_MSG_KEEPALIVE),
		[BGP_EV_TCP_UP] = NOTHING(OPENCONFIRM),
		[BGP_EV_TCP_FAILS] = NOTHING(IDLE),
		[BGP_EV_OPEN] = NOTIF(IDLE, 5, 2),
		[BGP_EV_HDR_ERR] = NOTIF(IDLE, 1, 1),
		[BGP_EV_OPEN_ERR] = NOTIF(IDLE, 2, 2),
		[BGP_EV_NOTIF] = NOTHING(IDLE),
		[BGP_EV_KEEPALIVE] = SENDS(ESTABLISHED, BGP_MSG_UPDATE), /* End-of-RIB */
		[BGP_EV_UPDATE] = NOTIF(IDLE, 5, 2),
		[BGP_EV_UPDATE_ERR] = NOTIF(IDLE, 5, 2),
		[BGP_EV_REFRESH] = NOTIF(IDLE, 5, 2),
	},
	[BGP_ST_ESTABLISHED] = {
		[BGP_EV_START] = NOTHING(ESTABLISHED),
		[BGP_EV_STOP] = NOTIF(IDLE, 6, 2),
		[BGP_EV_IDLE_HOLD_EXP] = NOTIF(IDLE, 5, 3),
		[BGP_EV_RETRY_EXP] = NOTIF(IDLE, 5, 3),
		[BGP_EV_HOLD_EXP] = NOTIF(IDLE, 4, 0),
		[BGP_EV_KEEPALIVE_EXP] = SENDS(ESTABLISHED, BGP_MSG_KEEPALIVE),
		[BGP_EV_TCP_UP] = NOTHING(ESTABLISHED),
		[BGP_EV_TCP_FAILS] = NOTHING(IDLE),
		[BGP_EV_OPEN] = NOTIF(IDLE, 5, 3),
		[BGP_EV_HDR_ERR] = NOTIF(IDLE, 1, 1),
		[BGP_EV_OPEN_ERR] = NOTIF(IDLE, 2, 2),
		[BGP_EV_NOTIF] = NOTHING(IDLE),
		[BGP_EV_KEEPALIVE] = NOTHING(ESTABLISHED),
		[BGP_EV_UPDATE] = NOTHING(ESTABLISHED),
		[BGP_EV_UPDATE_ERR] = NOTIF(IDLE, 3, 1),
		[BGP_EV_REFRESH] = SENDS(ESTABLISHED, BGP_MSG_UPDATE),
	},
};

/* Brings a fresh engine to state st through its real inputs. */
static struct bgp_eng *reach(struct tb_shell *s, enum bgp_state st)
{
	struct bgp_conf c;
	struct bgp_eng *e;
	struct bgp_prefix vip = { .addr = tb_ip(10, 255, 0, 1), .plen = 32, .med = 0 };
	uint8_t m[BGP_MAX_MSG];
	size_t n;

	tb_conf(&c);
	e = tb_engine(s, &c, 1000, st != BGP_ST_IDLE);
	assert_int_equal(bgp_eng_announce(e, &vip, 1, 1000), 0);
	switch (st) {
	case BGP_ST_IDLE:
	case BGP_ST_CONNECT:
		break;
	case BGP_ST_ACTIVE:
		bgp_eng_closed(e, 0, 1000);	/* connect refused */
		break;
	case BGP_ST_OPENSENT:
		bgp_eng_connected(e, 0, TB_N2, 1000);
		break;
	case BGP_ST_OPENCONFIRM:
		bgp_eng_connected(e, 0, TB_N2, 1000);
		n = tb_open(m, 65000, 90, TB_R, true);
		bgp_eng_input(e, 0, m, n, 1000);
		break;
	case BGP_ST_ESTABLISHED:
		tb_establish(s, e, 1000, 90, true);
		break;
	default:
		fail();
	}
	assert_int_equal(e->peers[0].state, st);
	if (s->next_cid > 0)
		tb_drain(s, 0);
	return e;
}

static void test_every_state_and_event(void **state)
{
	static struct tb_shell s;	/* large: keep it off the stack */
	uint8_t peer_open[BGP_MAX_MSG], buf[BGP_MAX_MSG];
	struct bgp_err perr;
	struct bgp_open o;
	struct bgp_notif notif = { BGP_ERR_CEASE, BGP_CEASE_SHUTDOWN, 0, NULL };
	unsigned st, ev, cells = 0;

	(void)state;
	tb_open(peer_open, 65000, 90, TB_R, true);
	assert_int_equal(bgp_msg_open_decode(peer_open, dp_get_u16(peer_open + 16), &o, &perr), 0);

	for (st = 0; st < BGP_ST_MAX; st++) {
		for (ev = 0; ev < BGP_EV_MAX; ev++) {
			const struct want *w = &want[st][ev];
			struct bgp_eng *e = reach(&s, st);
			struct bgp_peer *p = &e->peers[0];
			uint8_t t;
			size_t len;

			/* what the message behind the event would carry */
			p->rx_open = &o;
			p->rx_notif = &notif;
			if (ev == BGP_EV_HDR_ERR)
				p->err = (struct bgp_err){ .code = 1, .sub = 1 };
			else if (ev == BGP_EV_OPEN_ERR)
				p->err = (struct bgp_err){ .code = 2, .sub = 2 };
			else if (ev == BGP_EV_UPDATE_ERR)
				p->err = (struct bgp_err){ .code = 3, .sub = 1 };
			e->now = 2000;
			bgp_fsm_event(p, ev);
			p->rx_open = NULL;
			p->rx_notif = NULL;

			if (p->state != w->next)
				fail_msg("%s + %s: went to %s, want %s",
					 bgp_fsm_state_name(st), bgp_fsm_event_name(ev),
					 bgp_fsm_state_name(p->state),
					 bgp_fsm_state_name(w->next));
			t = s.next_cid > 0 ? tb_last(&s, 0, buf, &len) : 0;
			if (w->msg == NONE && t != 0)
				fail_msg("%s + %s: sent a message of type %u, want none",
					 bgp_fsm_state_name(st), bgp_fsm_event_name(ev), t);
			if (w->msg != NONE && t != w->msg)
				fail_msg("%s + %s: last message type %u, want %d",
					 bgp_fsm_state_name(st), bgp_fsm_event_name(ev), t, w->msg);
			if (w->msg == BGP_MSG_NOTIFICATION &&
			    (buf[19] != w->code || buf[20] != w->sub))
				fail_msg("%s + %s: NOTIFICATION %u/%u, want %d/%d",
					 bgp_fsm_state_name(st), bgp_fsm_event_name(ev),
					 buf[19], buf[20], w->code, w->sub);
			/* leaving for Idle or Active releases the connection */
			if (w->next == BGP_ST_IDLE || w->next == BGP_ST_ACTIVE)
				assert_int_equal(p->conn.cid, -1);
			/* in Idle after a failure, an automatic restart is due;
			 * after a stop, none */
			if (w->next == BGP_ST_IDLE && st != BGP_ST_IDLE)
				assert_int_equal(p->t_idle_hold != 0, ev != BGP_EV_STOP);
			bgp_eng_destroy(e);
			cells++;
		}
	}
	assert_int_equal(cells, BGP_ST_MAX * BGP_EV_MAX);
}

/* Transitions are logged with both names and the RFC section. */
static void test_transition_log(void **state)
{
	static struct tb_shell s;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct bgp_eng *e;

	(void)state;
	assert_non_null(f);
	rte_log_set_level(mgw_logtype_bgp, RTE_LOG_INFO);
	rte_openlog_stream(f);
	e = reach(&s, BGP_ST_ESTABLISHED);
	bgp_eng_destroy(e);
	rte_openlog_stream(NULL);
	tb_quiet();
	fclose(f);
	assert_non_null(strstr(text, "10.201.2.1: from Idle to Connect on ManualStart (RFC 4271 §8.2.2)"));
	assert_non_null(strstr(text, "from OpenSent to OpenConfirm on BGPOpen"));
	assert_non_null(strstr(text, "from OpenConfirm to Established on KeepAliveMsg"));
	free(text);
}

/* The names used in logs and JSON cover every state and event. */
static void test_names(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < BGP_ST_MAX; i++)
		assert_string_not_equal(bgp_fsm_state_name(i), "?");
	for (i = 0; i < BGP_EV_MAX; i++)
		assert_non_null(bgp_fsm_event_name(i));
	assert_string_equal(bgp_fsm_state_name(BGP_ST_MAX), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_state_and_event),
		cmocka_unit_test(test_transition_log),
		cmocka_unit_test(test_names),
	};

	tb_quiet();
	return cmocka_run_group_tests_name("bgp_fsm", tests, NULL, NULL);
}
