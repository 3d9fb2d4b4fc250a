// GCC 12 reports a false -Wrestrict inside Boost's gzip_compressor once its footer code is
// inlined (std::string::insert through back_insert_device; nothing overlaps). Diagnostic
// pragmas follow source locations, so the warning is turned off for this small file before any
// include, and stays on everywhere else.
#pragma GCC diagnostic ignored "-Wrestrict"

#include "data_io/idx_files.h"

#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filtering_stream.hpp>

#include <sstream>

namespace keel::testing {

std::string gzip(const std::string& bytes) {
  std::ostringstream out;
  {
    boost::iostreams::filtering_ostream gz;
    gz.push(boost::iostreams::gzip_compressor());
    gz.push(out);
    gz.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }  // closing the chain writes the gzip footer
  return out.str();
}

}  // namespace keel::testing
