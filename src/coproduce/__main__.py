from coproduce.cli.main import run

run()
