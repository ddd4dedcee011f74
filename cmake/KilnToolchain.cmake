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

# kiln_add_dialect_doc(<td file stem> <dialect>): Markdown for a dialect and
# its ops, generated from ODS into ${PROJECT_BINARY_DIR}/docs/dialects.
function(kiln_add_dialect_doc td dialect)
  set(LLVM_TARGET_DEFINITIONS ${td}.td)
  tablegen(MLIR ${dialect}.md -gen-dialect-doc -dialect=${dialect})
  set(out ${PROJECT_BINARY_DIR}/docs/dialects/${dialect}.md)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_CURRENT_BINARY_DIR}/${dialect}.md ${out}
    DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/${dialect}.md)
  add_custom_target(kiln-${dialect}-doc DEPENDS ${out})
  set_property(GLOBAL APPEND PROPERTY KILN_DOC_TARGETS kiln-${dialect}-doc)
  set_property(GLOBAL APPEND PROPERTY KILN_GENERATED_DOCS ${out})
endfunction()
