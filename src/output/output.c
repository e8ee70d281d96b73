/* The one place that knows every output format. */
#include "output/output.h"

const struct output_ops *output_ops_of(const struct output_style *style)
{
	return style->json ? &json_output : &human_output;
}
