// Loaded by the stand-in's entrypoint before each /docker-entrypoint-initdb.d/*.js: FerretDB v1
// implements createUser without roles (it enforces none: any authenticated user may do anything),
// so the roles an init script asks for are logged and dropped. mongo:7 runs the scripts as written.
{
  const proto = Object.getPrototypeOf(db);
  const createUser = proto.createUser;
  proto.createUser = function (user, ...rest) {
    const { roles, ...plain } = user;
    print(`stand-in: createUser ${plain.user} on ${this.getName()}; roles ${JSON.stringify(roles)} not enforced by FerretDB v1`);
    return createUser.call(this, { ...plain, roles: [] }, ...rest);
  };
}
