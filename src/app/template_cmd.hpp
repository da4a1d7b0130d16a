// template_cmd.hpp: `tocsin template render`, amtool's offline template renderer with the same flags
// (--template.glob, --template.text, --template.type=text|html, --template.data=FILE) and output.
#pragma once

namespace tocsin::app {

// argv[1] is "template". Returns the exit code: 0 when rendered, 1 on a usage, data or template error.
int template_command(int argc, char** argv);

}  // namespace tocsin::app
