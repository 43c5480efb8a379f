# Tests of rooms::actors changeset: unit tests, and a differential test against the real
# @codemirror/state (tests/differential, node_modules installed by tools/bootstrap = npm ci).

rooms_add_test(changeset_test SOURCES changeset_test.cpp DEPS rooms::actors)

# Seed of the generated cases; change it (-DROOMS_CHANGESET_SEED=...) to explore other cases.
set(ROOMS_CHANGESET_SEED 20240601 CACHE STRING "PRNG seed of the changeset differential fixture")
set(changeset_fixture_file ${CMAKE_BINARY_DIR}/differential/changesets.jsonl)
set(changeset_differential_dir ${PROJECT_SOURCE_DIR}/tests/differential)

find_program(ROOMS_NODE node)
if(NOT ROOMS_NODE)
  # Still register the tests: they fail with the reason rather than silently vanishing.
  set(ROOMS_NODE node)
endif()

add_test(NAME changeset_fixture
  COMMAND ${ROOMS_NODE} generate.mjs ${ROOMS_CHANGESET_SEED} ${changeset_fixture_file}
  WORKING_DIRECTORY ${changeset_differential_dir})
set_tests_properties(changeset_fixture PROPERTIES FIXTURES_SETUP changeset_fixture TIMEOUT 300)

# Not gtest_discover_tests: discovery runs at build time, before the fixture exists, so the
# binary is one ctest test that is handed the fixture and the node_modules it came from.
add_executable(changeset_differential_test changeset_differential_test.cpp)
target_link_libraries(changeset_differential_test PRIVATE rooms::actors GTest::gtest)
rooms_warnings(changeset_differential_test)
add_test(NAME changeset_differential
  COMMAND changeset_differential_test ${changeset_fixture_file}
          ${changeset_differential_dir}/node_modules)
set_tests_properties(changeset_differential PROPERTIES FIXTURES_REQUIRED changeset_fixture
  TIMEOUT 300)
