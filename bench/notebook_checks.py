#!/usr/bin/env python3
"""The checks of OpenAI's chat fine-tuning data-prep notebook (format errors, token counts with tiktoken,
distribution and epoch/cost estimate), streamed line by line so memory stays flat: the yardstick
`make bench` holds `quorum validate` against."""
import json
import sys
from collections import defaultdict

import tiktoken
from tiktoken.load import load_tiktoken_bpe

sys.path.insert(0, __import__("os").path.join(__import__("os").path.dirname(__file__), "..", "scripts"))
from token_fixture import PAT  # noqa: E402


def main(path, ranks):
    enc = tiktoken.Encoding(name="o200k_base", pat_str=PAT, mergeable_ranks=load_tiktoken_bpe(ranks), special_tokens={})
    format_errors = defaultdict(int)
    n_missing_system = n_missing_user = 0
    lengths, assistant_lengths, message_counts = [], [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            ex = json.loads(line)
            if not isinstance(ex, dict):
                format_errors["data_type"] += 1
                continue
            messages = ex.get("messages", None)
            if not messages:
                format_errors["missing_messages_list"] += 1
                continue
            for message in messages:
                if "role" not in message or "content" not in message:
                    format_errors["message_missing_key"] += 1
                if any(k not in ("role", "content", "name", "function_call", "weight") for k in message):
                    format_errors["message_unrecognized_key"] += 1
                if message.get("role", None) not in ("system", "user", "assistant", "function"):
                    format_errors["unrecognized_role"] += 1
                content = message.get("content", None)
                function_call = message.get("function_call", None)
                if (not content and not function_call) or not isinstance(content, str):
                    format_errors["missing_content"] += 1
            if not any(message.get("role", None) == "assistant" for message in messages):
                format_errors["example_missing_assistant_message"] += 1
            if not any(m["role"] == "system" for m in messages):
                n_missing_system += 1
            if not any(m["role"] == "user" for m in messages):
                n_missing_user += 1
            num_tokens = 3
            num_assistant = 0
            for message in messages:
                num_tokens += 3
                for key, value in message.items():
                    num_tokens += len(enc.encode(value))
                    if key == "name":
                        num_tokens += 1
                if message["role"] == "assistant":
                    num_assistant += len(enc.encode(message["content"]))
            lengths.append(num_tokens)
            assistant_lengths.append(num_assistant)
            message_counts.append(len(messages))
    n = len(lengths)
    n_epochs = 3
    if n * 3 < 100:
        n_epochs = min(25, 100 // n)
    elif n * 3 > 25000:
        n_epochs = max(1, 25000 // n)
    billing = sum(min(65536, length) for length in lengths)
    print(json.dumps({"examples": n, "format_errors": format_errors, "missing_system": n_missing_system,
                      "missing_user": n_missing_user, "max_tokens": max(lengths), "epochs": n_epochs,
                      "billing_tokens": billing * n_epochs}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
