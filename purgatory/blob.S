/* The relocatable purgatory, embedded into kdump-load (one file to install). */
	.section .rodata
	.balign 16
	.globl kdl_purgatory_blob
kdl_purgatory_blob:
	.incbin PURGATORY_RO
	.globl kdl_purgatory_blob_end
kdl_purgatory_blob_end:
	.section .note.GNU-stack, "", @progbits
