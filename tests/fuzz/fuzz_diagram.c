/* diagram descriptions (--diagram-file overrides), drawn at a size taken
 * from the input */
#include "../../render/diagram.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[128];
	struct render_diagram *d = render_diagram_parse((const char *)data, size, err, sizeof(err));
	if (!d)
		return 0;
	int w = size ? 1 + data[0] % 220 : 80, h = size > 1 ? 1 + data[1] % 60 : 24;
	struct render_canvas *c = render_canvas_new(w, h);
	struct render_diagram_opts o = { size > 2 && (data[2] & 1), NULL, NULL, size > 3 && (data[3] & 1) ? "host node1/ns (1 of 2)" : NULL, 0, 0 };
	if (c)
		render_diagram_draw(d, NULL, c, &o);
	render_canvas_free(c);
	render_diagram_free(d);
	return 0;
}
