#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""proto/guest.config -> proto/guest_config.h: the guest's kernel options
as a C table (see guest.config)."""
import re
import sys

src, out = sys.argv[1], sys.argv[2]
rows = []
for n, line in enumerate(open(src), 1):
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    m = re.fullmatch(r"(CONFIG_[A-Z0-9_]+)=y\s+#\s*\[([a-z,]*)\]\s*(.+)", line)
    if not m:
        sys.exit(f"{src}:{n}: expected 'CONFIG_NAME=y  # [tags] why'")
    tags = [t for t in m.group(2).split(",") if t]
    for t in tags:
        if t not in ("kvm", "scheduler", "vmlinux", "channel"):
            sys.exit(f"{src}:{n}: unknown tag '{t}'")
    flags = " | ".join(f"GUEST_CONFIG_{t.upper()}" for t in tags) or "0"
    why = m.group(3).replace("\\", "\\\\").replace('"', '\\"')
    rows.append(f'\t{{ "{m.group(1)}", "{why}", {flags} }},')
with open(out, "w") as f:
    f.write(f"""/* Generated from proto/guest.config by proto/gen_guest_config.py. */
#ifndef KTSTR__PROTO_GUEST_CONFIG_H
#define KTSTR__PROTO_GUEST_CONFIG_H

#define GUEST_CONFIG_KVM 1u       /* only the kvm backend needs it */
#define GUEST_CONFIG_SCHEDULER 2u /* only scenarios with a scheduler */
#define GUEST_CONFIG_VMLINUX 4u   /* only to boot an ELF vmlinux (PVH) */
#define GUEST_CONFIG_CHANNEL 8u   /* the report channel needs it */

struct guest_config_option {{
\tconst char *name;
\tconst char *why;
\tunsigned tags;
}};

static const struct guest_config_option guest_config_options[] = {{
{chr(10).join(rows)}
}};
#define GUEST_CONFIG_N (sizeof(guest_config_options) / sizeof(guest_config_options[0]))

#endif
""")
