// The whole front end: plain JavaScript against the JSON API, no build step.
"use strict";

const pageSize = 10;
let page = 1;

const list = document.getElementById("todo-list");
const template = document.getElementById("todo-template");
const addForm = document.getElementById("add-form");
const newTitle = document.getElementById("new-title");
const formError = document.getElementById("form-error");
const message = document.getElementById("message");

// Sends a request and returns { status, body }; body is the parsed JSON (problem details on errors) or null.
async function api(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

function show(text) {
  message.textContent = text;
  message.hidden = !text;
}

// Turns a problem-details response into one line for the user.
function describeProblem(problem) {
  if (problem && problem.errors) {
    return Object.values(problem.errors).flat().join(" ");
  }
  return problem ? [problem.title, problem.detail].filter(Boolean).join(": ") : "Something went wrong.";
}

async function load() {
  const { status, body } = await api("GET", `/api/todos?page=${page}&pageSize=${pageSize}`);
  if (status !== 200) {
    show(describeProblem(body));
    return;
  }
  if (body.items.length === 0 && page > 1) {
    page = Math.max(1, body.totalPages); // the last item of this page went away
    return load();
  }
  list.replaceChildren(...body.items.map(renderTodo));
  document.getElementById("empty").hidden = body.totalCount !== 0;
  document.getElementById("page-info").textContent =
    `Page ${body.page} of ${Math.max(1, body.totalPages)} · ${body.totalCount} todo${body.totalCount === 1 ? "" : "s"}`;
  document.getElementById("prev").disabled = body.page <= 1;
  document.getElementById("next").disabled = body.page >= body.totalPages;
}

function renderTodo(todo) {
  const item = template.content.firstElementChild.cloneNode(true);
  const toggle = item.querySelector(".toggle");
  const title = item.querySelector(".title");
  const editTitle = item.querySelector(".edit-title");
  const [editButton, saveButton, cancelButton] = ["edit", "save", "cancel"].map(c => item.querySelector("." + c));

  item.dataset.id = todo.id;
  item.classList.toggle("completed", todo.isCompleted);
  toggle.checked = todo.isCompleted;
  title.textContent = todo.title;

  const setEditing = editing => {
    title.hidden = editing;
    editTitle.hidden = !editing;
    editButton.hidden = editing;
    saveButton.hidden = !editing;
    cancelButton.hidden = !editing;
    if (editing) {
      editTitle.value = todo.title;
      editTitle.focus();
    }
  };

  toggle.addEventListener("change", () => update(todo, { title: todo.title, isCompleted: toggle.checked }));
  editButton.addEventListener("click", () => setEditing(true));
  cancelButton.addEventListener("click", () => setEditing(false));
  saveButton.addEventListener("click", () => update(todo, { title: editTitle.value, isCompleted: todo.isCompleted }));
  editTitle.addEventListener("keydown", e => {
    if (e.key === "Enter") saveButton.click();
    if (e.key === "Escape") cancelButton.click();
  });
  item.querySelector(".delete").addEventListener("click", () => remove(todo));
  return item;
}

async function update(todo, changes) {
  // The version we rendered goes back to the server; if someone changed the todo since, we get 409.
  const { status, body } = await api("PUT", `/api/todos/${todo.id}`, { ...changes, version: todo.version });
  if (status === 200) {
    show("");
  } else if (status === 409) {
    show("Someone else changed this todo; showing their version. Apply your change again.");
  } else {
    show(describeProblem(body));
  }
  await load();
}

async function remove(todo) {
  const { status, body } = await api("DELETE", `/api/todos/${todo.id}?version=${todo.version}`);
  show(status === 204 || status === 404 ? "" : describeProblem(body));
  await load();
}

addForm.addEventListener("submit", async e => {
  e.preventDefault();
  const { status, body } = await api("POST", "/api/todos", { title: newTitle.value });
  const invalid = status === 400;
  newTitle.setAttribute("aria-invalid", String(invalid));
  formError.hidden = !invalid;
  formError.textContent = invalid ? describeProblem(body) : "";
  if (status === 201) {
    newTitle.value = "";
    const last = await api("GET", `/api/todos?page=1&pageSize=${pageSize}`);
    page = Math.max(1, last.body.totalPages); // new todos go to the end
    await load();
  } else if (!invalid) {
    show(describeProblem(body));
  }
});

document.getElementById("prev").addEventListener("click", () => { page--; load(); });
document.getElementById("next").addEventListener("click", () => { page++; load(); });

async function checkHealth() {
  const health = document.getElementById("health");
  try {
    const { body } = await api("GET", "/health");
    const lakebase = body.checks.lakebase;
    const data = lakebase.data || {};
    const where = body.localEmulator ? "the local Lakebase emulator" : "Databricks Lakebase";
    const until = data.expires_at
      ? ` · credential ${String(data.state).toLowerCase()} until ${new Date(data.expires_at).toLocaleTimeString()}`
      : "";
    health.textContent = `${lakebase.status === "Unhealthy" ? "Cannot reach" : "Connected to"} ${where}${until}`;
  } catch {
    health.textContent = "Health unknown";
  }
}

load();
checkHealth();
