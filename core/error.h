// keel::Error and its subclasses: every failure keel reports to a user.
//
// Contract: messages name the argument, the value given and what was expected, e.g.
//   "add: shapes (2, 3) and (4,) cannot be broadcast together"
// keel never aborts on bad input; it throws one of these.
#pragma once

#include <stdexcept>
#include <string>

namespace keel {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A tensor or layer received a shape it cannot work with.
class ShapeError : public Error {
 public:
  using Error::Error;
};

// An argument has a value outside what is allowed (unknown name, negative size, ...).
class ValueError : public Error {
 public:
  using Error::Error;
};

// A file could not be read, written or parsed.
class IOError : public Error {
 public:
  using Error::Error;
};

// The tape was asked for something it cannot give (unrecorded target, unconnected source).
class GradientError : public Error {
 public:
  using Error::Error;
};

// Memory could not be had: a request above the allocation limit (set_allocation_limit) or one
// the system refused. Names the number of bytes.
class ResourceError : public Error {
 public:
  using Error::Error;
};

// oneDNN refused or failed an operation; carries the operation's name.
class BackendError : public Error {
 public:
  using Error::Error;
};

}  // namespace keel
