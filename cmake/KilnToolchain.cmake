# Build speed: ccache and lld when the machine has them. Included before the
# LLVM modules so that HandleLLVMOptions sees LLVM_USE_LINKER.
find_program(KILN_CCACHE ccache)
if(KILN_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_C_COMPILER_LAUNCHER ${KILN_CCACHE})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${KILN_CCACHE})
  message(STATUS "Using ccache: ${KILN_CCACHE}")
endif()

find_program(KILN_LLD ld.lld)
if(KILN_LLD AND NOT LLVM_USE_LINKER)
  set(LLVM_USE_LINKER lld)
  message(STATUS "Linking with lld: ${KILN_LLD}")
endif()

# kiln_add_doc(<td file stem> <doc name> <tablegen args>...): Markdown
# generated from ODS into ${PROJECT_BINARY_DIR}/docs/<subdir>/<doc name>.md,
# where <subdir> is "dialects" for dialect docs and "passes" for pass docs.
function(kiln_add_doc td name subdir)
  set(LLVM_TARGET_DEFINITIONS ${td}.td)
  tablegen(MLIR ${name}.md ${ARGN})
  set(out ${PROJECT_BINARY_DIR}/docs/${subdir}/${name}.md)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_CURRENT_BINARY_DIR}/${name}.md ${out}
    DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/${name}.md)
  add_custom_target(kiln-${name}-doc DEPENDS ${out})
  set_property(GLOBAL APPEND PROPERTY KILN_DOC_TARGETS kiln-${name}-doc)
  set_property(GLOBAL APPEND PROPERTY KILN_GENERATED_DOCS ${out})
endfunction()
