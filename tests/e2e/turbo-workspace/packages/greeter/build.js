// A deterministic "build": derives dist/ from the sources.
const fs = require('fs');
const source = fs.readFileSync(__dirname + '/src.txt', 'utf8');
fs.mkdirSync(__dirname + '/dist', { recursive: true });
fs.writeFileSync(__dirname + '/dist/out.txt', source.toUpperCase());
fs.writeFileSync(__dirname + '/dist/length.txt', String(source.length));
console.log('greeter built');
