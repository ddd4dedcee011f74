# Finds what the runtime builds against: the CUDA toolkit (runtime, cuBLASLt,
# NVRTC for the tests), cuDNN, the header-only cudnn-frontend (pip package
# nvidia-cudnn-frontend), FlatBuffers and zlib.

find_package(CUDAToolkit REQUIRED)
find_package(FlatBuffers REQUIRED CONFIG)
find_package(ZLIB REQUIRED)

# cuDNN 9: headers and library beside CUDA (/usr/local/cuda), or anywhere the
# cache variables point.
find_path(KILN_CUDNN_INCLUDE_DIR cudnn.h
  HINTS ${CUDAToolkit_INCLUDE_DIRS} ENV CUDNN_PATH PATH_SUFFIXES include)
find_library(KILN_CUDNN_LIBRARY cudnn
  HINTS ${CUDAToolkit_LIBRARY_DIR} ENV CUDNN_PATH PATH_SUFFIXES lib64 lib)
if(NOT KILN_CUDNN_INCLUDE_DIR OR NOT KILN_CUDNN_LIBRARY)
  message(FATAL_ERROR "cuDNN 9 not found: set KILN_CUDNN_INCLUDE_DIR (the folder "
    "of cudnn.h) and KILN_CUDNN_LIBRARY (libcudnn.so)")
endif()
file(STRINGS ${KILN_CUDNN_INCLUDE_DIR}/cudnn_version.h _kiln_cudnn_version
  REGEX "#define CUDNN_(MAJOR|MINOR|PATCHLEVEL) ")
string(REGEX REPLACE ".*CUDNN_MAJOR ([0-9]+).*" "\\1" _major "${_kiln_cudnn_version}")
string(REGEX REPLACE ".*CUDNN_MINOR ([0-9]+).*" "\\1" _minor "${_kiln_cudnn_version}")
if(_major LESS 9)
  message(FATAL_ERROR "cuDNN ${_major}.${_minor} at ${KILN_CUDNN_INCLUDE_DIR}: Kiln needs cuDNN 9")
endif()
message(STATUS "Using cuDNN ${_major}.${_minor}: ${KILN_CUDNN_LIBRARY}")
add_library(KilnCudnn INTERFACE)
target_include_directories(KilnCudnn SYSTEM INTERFACE ${KILN_CUDNN_INCLUDE_DIR})
target_link_libraries(KilnCudnn INTERFACE ${KILN_CUDNN_LIBRARY})

# cudnn-frontend (header-only): the include folder of the pip package, found
# by asking python3 where its packages live.
if(NOT KILN_CUDNN_FRONTEND_INCLUDE_DIR)
  find_package(Python3 COMPONENTS Interpreter QUIET)
  if(Python3_Interpreter_FOUND)
    execute_process(
      COMMAND ${Python3_EXECUTABLE} -c
        "import sysconfig; print(sysconfig.get_paths()['purelib'] + '/include')"
      OUTPUT_VARIABLE _kiln_fe_dir OUTPUT_STRIP_TRAILING_WHITESPACE
      RESULT_VARIABLE _kiln_fe_result)
    if(_kiln_fe_result EQUAL 0 AND EXISTS ${_kiln_fe_dir}/cudnn_frontend.h)
      set(_kiln_fe_found ${_kiln_fe_dir})
    endif()
  endif()
  set(KILN_CUDNN_FRONTEND_INCLUDE_DIR "${_kiln_fe_found}" CACHE PATH
    "Folder holding cudnn_frontend.h (pip package nvidia-cudnn-frontend)" FORCE)
endif()
if(NOT EXISTS ${KILN_CUDNN_FRONTEND_INCLUDE_DIR}/cudnn_frontend.h)
  message(FATAL_ERROR "cudnn-frontend not found: no cudnn_frontend.h in "
    "'${KILN_CUDNN_FRONTEND_INCLUDE_DIR}'. Install it with "
    "'python3 -m pip install nvidia-cudnn-frontend==1.32.0' (scripts/bootstrap.sh "
    "does), or set KILN_CUDNN_FRONTEND_INCLUDE_DIR to the folder of cudnn_frontend.h.")
endif()
file(STRINGS ${KILN_CUDNN_FRONTEND_INCLUDE_DIR}/cudnn_frontend_version.h _kiln_fe_version
  REGEX "#define CUDNN_FRONTEND_(MAJOR|MINOR|PATCH)_VERSION ")
string(REGEX MATCHALL "[0-9]+" _kiln_fe_numbers "${_kiln_fe_version}")
string(REPLACE ";" "." _kiln_fe_numbers "${_kiln_fe_numbers}")
message(STATUS "Using cudnn-frontend ${_kiln_fe_numbers}: ${KILN_CUDNN_FRONTEND_INCLUDE_DIR}")
