import CCmark

/// Markdown to HTML with libcmark, always in safe mode (no `javascript:` links). Raw HTML in the
/// source is either dropped (guidelines) or shown as the text it is (conversation turns, where an
/// annotator must see exactly what the data says, `<script>` included, and nothing runs).
public enum Markdown {
    public enum RawHTML { case drop, showAsText }

    public static func html(_ markdown: String, rawHTML: RawHTML = .drop) -> String {
        let options = CMARK_OPT_SAFE | CMARK_OPT_SMART
        guard let document = cmark_parse_document(markdown, markdown.utf8.count, options) else { return "" }
        defer { cmark_node_free(document) }
        if rawHTML == .showAsText { replaceRawHTML(in: document) }
        guard let rendered = cmark_render_html(document, options) else { return "" }
        defer { free(rendered) }
        return String(cString: rendered)
    }

    /// Turns every raw HTML node into a text node (a paragraph of text for a block).
    private static func replaceRawHTML(in document: OpaquePointer) {
        var raw: [OpaquePointer] = []
        let iterator = cmark_iter_new(document)
        defer { cmark_iter_free(iterator) }
        while case let event = cmark_iter_next(iterator), event != CMARK_EVENT_DONE {
            guard event == CMARK_EVENT_ENTER, let node = cmark_iter_get_node(iterator) else { continue }
            let type = cmark_node_get_type(node)
            if type == CMARK_NODE_HTML_INLINE || type == CMARK_NODE_HTML_BLOCK { raw.append(node) }
        }
        for node in raw {
            let literal = cmark_node_get_literal(node).map { String(cString: $0) } ?? ""
            let text = cmark_node_new(CMARK_NODE_TEXT)
            cmark_node_set_literal(text, literal)
            if cmark_node_get_type(node) == CMARK_NODE_HTML_BLOCK {
                let paragraph = cmark_node_new(CMARK_NODE_PARAGRAPH)
                cmark_node_append_child(paragraph, text)
                cmark_node_replace(node, paragraph)
            } else {
                cmark_node_replace(node, text)
            }
            cmark_node_free(node)
        }
    }
}
