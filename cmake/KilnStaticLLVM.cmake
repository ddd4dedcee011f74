# Static LLVM/MLIR for the tools that travel to the GPU machine.
#
# Debian configures LLVM with LLVM_LINK_LLVM_DYLIB, so every imported MLIR
# target links the shared `LLVM` library. For a self-contained binary we
# rewrite those link interfaces to name the static LLVM archives MLIR needs,
# and link zlib/zstd as the system's shared libraries (present on any Linux).
# libz3 is named by LLVMSupport only for its SMT solver, which MLIR never
# pulls in; --as-needed keeps it off the binary.
set(KILN_STATIC_LLVM_COMPONENTS
  LLVMSupport LLVMDemangle LLVMRemarks LLVMBitstreamReader
  LLVMTargetParser LLVMBinaryFormat LLVMCore LLVMFrontendOpenMP)

function(kiln_use_static_llvm)
  find_package(ZLIB REQUIRED)
  find_package(zstd QUIET)
  if(NOT TARGET zstd::libzstd_shared)
    find_library(KILN_ZSTD_LIBRARY NAMES zstd REQUIRED)
    add_library(zstd::libzstd_shared SHARED IMPORTED GLOBAL)
    set_target_properties(zstd::libzstd_shared PROPERTIES IMPORTED_LOCATION ${KILN_ZSTD_LIBRARY})
  endif()
  get_property(imported DIRECTORY ${PROJECT_SOURCE_DIR} PROPERTY IMPORTED_TARGETS)
  foreach(target IN LISTS imported)
    get_target_property(libs ${target} INTERFACE_LINK_LIBRARIES)
    if(libs AND "LLVM" IN_LIST libs)
      list(REMOVE_ITEM libs LLVM)
      list(APPEND libs ${KILN_STATIC_LLVM_COMPONENTS})
      set_target_properties(${target} PROPERTIES INTERFACE_LINK_LIBRARIES "${libs}")
    endif()
  endforeach()
  # add_llvm_executable links libLLVM.so itself while this is on.
  set(LLVM_LINK_LLVM_DYLIB OFF PARENT_SCOPE)
  add_link_options(-Wl,--as-needed -static-libstdc++ -static-libgcc)
  message(STATUS "Linking LLVM/MLIR statically into the tools")
endfunction()
