// Runs once, when the mongo service starts on an empty volume (docker-entrypoint-initdb.d, as the
// root user): creates the application user that GENOLAKE_MONGO_URL names, with readWrite on the
// GenoLake database only (enough for the documents and for `genolake bootstrap` to create indexes).
const dbName = process.env.GENOLAKE_MONGO_DB || "genolake";
const user = process.env.MONGO_APP_USER || "genolake";
const pwd = process.env.MONGO_APP_PASSWORD;
if (!pwd) {
  throw new Error("MONGO_APP_PASSWORD is required");
}
const target = db.getSiblingDB(dbName);
if (target.getUser(user) === null) {
  target.createUser({ user: user, pwd: pwd, roles: [{ role: "readWrite", db: dbName }] });
  print(`genolake: created user ${user} on database ${dbName}`);
} else {
  print(`genolake: user ${user} exists on database ${dbName}`);
}
