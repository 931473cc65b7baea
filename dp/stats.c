/* dp/stats.c — names of the drop reasons, as the API shows them. */
#include "dp/stats.h"

const char *const dp_drop_names[DP_DROP_MAX] = {
#define DP_DROP_NAME(name, str) [DP_DROP_##name] = str,
	DP_DROP_LIST(DP_DROP_NAME)
#undef DP_DROP_NAME
};
