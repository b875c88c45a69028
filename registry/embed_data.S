/* The embedded files; the table in embed.c names them. Paths are relative to the top of
 * the source tree, where make runs the assembler. */
    .section .rodata
    .balign 16
#define EMBED(sym, path) \
    .global sym ## _start; sym ## _start: .incbin path; .global sym ## _end; sym ## _end: .byte 0
EMBED(subreg_xsd_subprocessor, "schemas/subprocessor.xsd")
EMBED(subreg_xsd_registry, "schemas/registry.xsd")
EMBED(subreg_xsd_reference, "schemas/reference.xsd")
EMBED(subreg_xsd_hosting, "schemas/hosting.xsd")
EMBED(subreg_xsd_customer, "schemas/customer.xsd")
EMBED(subreg_ref_countries, "data/seed/reference/countries.xml")
EMBED(subreg_ref_regions, "data/seed/reference/regions.xml")
EMBED(subreg_openapi, "docs/openapi.json")
EMBED(subreg_embed_js, "web/embed.js")
    .section .note.GNU-stack,"",@progbits
