# md2man.awk — the Markdown of docs/*.md as a man page body (roff), so the
# page says what the reference says and never drifts from it.
#
#   awk -f scripts/md2man.awk docs/config.md
#
# It knows the subset the docs use: "#" (dropped: the page has its own
# NAME), "##" and "###" headings, paragraphs, "- " lists, tables (each row
# becomes a tagged paragraph: the first cell is the tag, the others are
# "header: cell"), ``` blocks, `code` and **bold**. Anything else passes as
# text, escaped for roff.

# roff-escape one line of running text, then turn `code` and **bold** bold.
function inline(s,    out, i, c, n) {
	gsub(/\\/, "\\e", s)
	gsub(/\*\*/, "\001", s)
	out = ""
	n = split(s, parts, "`")
	for (i = 1; i <= n; i++) {
		c = parts[i]
		if (i % 2 == 0) {
			gsub(/\001/, "**", c)
			gsub(/-/, "\\-", c)
			out = out "\\fB" c "\\fR"
		} else {
			while (sub(/\001/, "\\fB", c) && sub(/\001/, "\\fR", c))
				;
			gsub(/\001/, "", c)
			out = out c
		}
	}
	return out
}

# A text line must not start with a roff control character.
function text(s) {
	s = inline(s)
	if (s ~ /^[.']/)
		s = "\\&" s
	print s
}

function cells(line, arr,    n, i) {
	sub(/^[ \t]*\|/, "", line)
	sub(/\|[ \t]*$/, "", line)
	n = split(line, arr, "|")
	for (i = 1; i <= n; i++) {
		sub(/^[ \t]+/, "", arr[i])
		sub(/[ \t]+$/, "", arr[i])
	}
	return n
}

BEGIN { intable = 0; incode = 0 }

incode {
	if ($0 ~ /^```/) { print ".fi"; print ".RE"; incode = 0; next }
	s = $0
	gsub(/\\/, "\\e", s)
	if (s ~ /^[.']/)
		s = "\\&" s
	print s
	next
}

/^```/ { print ".PP"; print ".RS 4"; print ".nf"; incode = 1; next }

/^# / { next }

/^## / {
	intable = 0
	s = substr($0, 4)
	print ".SH " inline(toupper(s))
	next
}

/^### / {
	intable = 0
	print ".SS " inline(substr($0, 5))
	next
}

/^[ \t]*\|/ {
	if (!intable) {
		nh = cells($0, head)
		intable = 1
		next
	}
	if ($0 ~ /^[ \t]*\|[ \t:|-]*$/)
		next
	n = cells($0, row)
	print ".TP"
	text(row[1])
	for (i = 2; i <= n; i++) {
		if (row[i] == "")
			continue
		if (i > 2)
			print ".br"
		text((i <= nh && head[i] != "" && head[i] != "meaning" ? head[i] ": " : "") row[i])
	}
	next
}

/^[ \t]*$/ { intable = 0; print ".PP"; next }

/^- / { print ".IP \\(bu 2"; text(substr($0, 3)); next }

{
	s = $0
	sub(/^[ \t]+/, "", s)
	text(s)
}
