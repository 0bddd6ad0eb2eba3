/* A shared object without the one required function. */
const char *tlsprobe_plugin_name(void) { return "no-new-bio"; }
