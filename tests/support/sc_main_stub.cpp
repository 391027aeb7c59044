// libsystemc refers to sc_main (extern "C"); GoogleTest's main runs the
// tests instead, and tests that simulate call sc_start themselves.
extern "C" int sc_main(int, char**) { return 0; }
