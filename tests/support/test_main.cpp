// The test binaries' entry point: Boost.Test's runner, plus the sc_main() symbol that
// libsystemc.so requires (tests that simulate call sc_start() themselves, one per process).
#define BOOST_TEST_MODULE xbarsim
#include <boost/test/unit_test.hpp>

extern "C" int sc_main(int, char*[]) { return 0; }
