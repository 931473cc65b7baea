/* ospf/routing.h — the routing speakers of a running mgw: OSPF and BGP made
 * from the config's routing section, announcing what the control plane says
 * the node announces (cp/routes.c). */
#ifndef MGW_OSPF_ROUTING_H
#define MGW_OSPF_ROUTING_H

struct cp;
struct cp_config;
struct ospf_routing;

/* Start the speakers the config asks for (none: *out is still set) and
 * register them with the control plane. */
int ospf_routing_start(struct cp *cp, const struct cp_config *c, struct ospf_routing **out);
/* Unregister and stop them: OSPF flushes its LSA, BGP withdraws and
 * closes with a Cease. */
void ospf_routing_stop(struct ospf_routing *r);

#endif
