# The public API is every header of a module's folder outside detail/; keel.h must include each
# one, and nothing from detail/. Run as: cmake -DKEEL_SOURCE_DIR=<repo> -P umbrella_check.cmake
set(modules core autograd layers optimizers regularizers constraints models data proto applications
    preprocessing)
file(READ ${KEEL_SOURCE_DIR}/keel.h umbrella)
set(missing)
foreach(module IN LISTS modules)
  file(GLOB headers RELATIVE ${KEEL_SOURCE_DIR} ${KEEL_SOURCE_DIR}/${module}/*.h)
  foreach(header IN LISTS headers)
    string(FIND "${umbrella}" "#include \"keel/${header}\"" at)
    if(at EQUAL -1)
      list(APPEND missing ${header})
    endif()
  endforeach()
endforeach()
if(missing)
  message(FATAL_ERROR "keel.h does not include these public headers: ${missing} "
                      "(include them, or move internal ones into their module's detail/)")
endif()
if(umbrella MATCHES "/detail/")
  message(FATAL_ERROR "keel.h includes a detail/ header: internal headers are not the API")
endif()
message(STATUS "keel.h includes every public header")
