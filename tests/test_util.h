// Helpers shared by keel's test suites.
#pragma once

#include <gtest/gtest.h>

#include <string>

// Expects `stmt` to throw `type` with a message containing `substring`; prints the actual
// message otherwise.
#define EXPECT_THROW_MSG(stmt, type, substring)                                   \
  do {                                                                            \
    bool keel_thrown_ = false;                                                    \
    try {                                                                         \
      (void)(stmt);                                                               \
    } catch (const type& e) {                                                     \
      keel_thrown_ = true;                                                        \
      EXPECT_NE(std::string(e.what()).find(substring), std::string::npos)         \
          << "message: " << e.what() << "\nexpected to contain: " << (substring); \
    } catch (const std::exception& e) {                                           \
      keel_thrown_ = true;                                                        \
      ADD_FAILURE() << "threw another exception type: " << e.what();              \
    }                                                                             \
    if (!keel_thrown_) ADD_FAILURE() << #stmt " did not throw " #type;            \
  } while (0)
