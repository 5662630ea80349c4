// Drives Agora's OpenAI-compatible API with the official client and prints
// what it saw as one JSON line; openai_clients_test.go checks it.
import OpenAI from "openai";

const client = new OpenAI({
  baseURL: process.env.OPENAI_BASE_URL,
  apiKey: process.env.OPENAI_API_KEY,
  maxRetries: 0,
});
const model = process.env.CHAT_MODEL;
const messages = [
  { role: "system", content: "Be brief." },
  { role: "user", content: "Say goodbye" },
];

const models = [];
for await (const m of client.models.list()) models.push(m.id);

const done = await client.chat.completions.create({ model, messages });

const stream = await client.chat.completions.create({
  model,
  messages,
  stream: true,
  stream_options: { include_usage: true },
});
let streamed = "";
let chunks = 0;
let usage = 0;
for await (const chunk of stream) {
  chunks++;
  streamed += chunk.choices[0]?.delta?.content ?? "";
  if (chunk.usage) usage = chunk.usage.total_tokens;
}

const emb = await client.embeddings.create({
  model: process.env.EMBEDDING_MODEL,
  input: ["building permit", "school meals"],
});

let notFound = 0;
try {
  await client.chat.completions.create({ model: "missing", messages });
} catch (e) {
  notFound = e.status;
}

console.log(JSON.stringify({
  models,
  answer: done.choices[0].message.content,
  finish: done.choices[0].finish_reason,
  streamed,
  chunks,
  usage,
  vectors: emb.data.length,
  dimensions: emb.data[0].embedding.length,
  not_found: notFound,
}));
