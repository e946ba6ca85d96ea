"""The llama.cpp model: replies as llama-cpp-python's own chat completion gives them, and prompt
evaluation reused across questions, even after a prompt of another kind."""

import pytest

from rag import models
from rag.llm import LlamaCppLLM

pytestmark = pytest.mark.slow

SYSTEM = {"role": "system", "content": "You answer questions about news articles, briefly, from the passages given. " * 6}


def ask(text: str) -> list[dict]:
    return [SYSTEM, {"role": "user", "content": f"Passages:\n{text}"}]


@pytest.fixture(scope="module")
def llm():
    return LlamaCppLLM(models.resolve("small", models.default_models_dir()))


def test_stream_gives_the_reply_of_llama_cpp_chat_completion(llm):
    messages = ask("[1] The council approved the plan on 17 June 2024 by 12 votes to 3.\n\nQuestion: When was the plan approved?")
    reference = llm._llm.create_chat_completion(messages=messages, temperature=0.0, top_k=1, max_tokens=40, seed=0)
    assert "".join(llm.stream(messages, max_tokens=40)) == reference["choices"][0]["message"]["content"]
    assert 0 < llm.usage["completion_tokens"] <= 40 and llm.usage["prompt_tokens"] > 100


def test_the_system_prompt_is_read_once_even_after_another_kind_of_prompt(llm):
    first = ask("[1] The mayor resigned on Monday.\n\nQuestion: Who resigned?")
    "".join(llm.stream(first, max_tokens=20))
    assert llm.choose([{"role": "user", "content": "Is Paris in France? Answer yes or no."}], ["yes", "no"]) == "yes"
    second = ask("[1] Ferries to the islands resumed at noon.\n\nQuestion: When did ferries resume?")
    reply = "".join(llm.stream(second, max_tokens=30))
    system_tokens = len(llm._llm.tokenize(SYSTEM["content"].encode(), add_bos=False))
    assert llm.usage["cached_tokens"] >= system_tokens
    assert llm.usage["prompt_tokens"] - llm.usage["cached_tokens"] < 40
    assert "noon" in reply.lower()
    fresh = LlamaCppLLM(models.resolve("small", models.default_models_dir()))
    assert "".join(fresh.stream(second, max_tokens=30)) == reply  # reuse changes nothing in the reply
    assert fresh.usage["cached_tokens"] == 0
